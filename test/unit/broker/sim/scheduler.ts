import { mulberry32 } from "../../../../scripts/simulate/fleet";
import type { Clock } from "../../../../src/broker/clock";

/** A small seeded PRNG (mulberry32, shared with the fleet simulation): the whole simulation replays from its seed. */
export const random = mulberry32;

interface Task {
  at: number;
  order: number;
  run: () => void;
}

/** Lets every pending promise continuation run (microtasks only; nothing real is awaited). */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Virtual time and a deterministic event loop: timers and simulated network hops are tasks ordered by time; running
 * the loop pops the earliest task, advances the clock, runs it and lets promise continuations settle before the next.
 */
export class Scheduler implements Clock {
  private time = 1_700_000_000_000;
  private order = 0;
  private readonly tasks: Task[] = [];

  constructor(readonly rng: () => number) {}

  now(): number {
    return this.time;
  }

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.at(this.time + Math.max(0, ms), resolve));

  /** Runs `run` at virtual time `at`. */
  at(at: number, run: () => void): void {
    this.tasks.push({ at, order: this.order++, run });
  }

  /** A network hop: a small random latency (0–4 ms), so concurrent calls interleave differently per seed. */
  hop(): Promise<void> {
    return this.sleep(Math.floor(this.rng() * 5));
  }

  /** Runs the loop until nothing is left to do before `until` (or no task at all); false when it hit the bound. */
  async run(until = Number.POSITIVE_INFINITY, maxTasks = 200_000): Promise<boolean> {
    await flushMicrotasks();
    for (let n = 0; n < maxTasks; n++) {
      if (this.tasks.length === 0) return true;
      let best = 0;
      for (let i = 1; i < this.tasks.length; i++) {
        const t = this.tasks[i]!;
        const b = this.tasks[best]!;
        if (t.at < b.at || (t.at === b.at && t.order < b.order)) best = i;
      }
      const task = this.tasks[best]!;
      if (task.at > until) {
        this.time = Math.max(this.time, until);
        return true;
      }
      this.tasks.splice(best, 1);
      this.time = Math.max(this.time, task.at);
      task.run();
      await flushMicrotasks();
    }
    return false;
  }

  /** Runs until `done()` holds, or time passes `deadline` ms from now. */
  async runUntil(done: () => boolean, deadlineMs = 60_000): Promise<boolean> {
    const end = this.time + deadlineMs;
    await flushMicrotasks();
    while (!done()) {
      if (this.tasks.length === 0) return false;
      const next = Math.min(...this.tasks.map((t) => t.at));
      if (next > end) return false;
      await this.run(next, 1);
    }
    return true;
  }

  pending(): number {
    return this.tasks.length;
  }
}
