import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidTopicFilter, matchesTopicFilter } from "../../../src/domain/topics";
import { TopicTrie } from "../../../src/domain/topicTrie";

const sorted = (m: Map<string, string[]>) => [...m].map(([member, filters]) => [member, [...filters].sort()] as const).sort();

/** What a scan of every filter answers: the reference the trie must agree with. */
function scan(routes: [string, string][], topic: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [filter, member] of routes) {
    if (!matchesTopicFilter(filter, topic)) continue;
    const list = result.get(member) ?? [];
    if (!list.includes(filter)) list.push(filter);
    result.set(member, list);
  }
  return result;
}

// Few level names, so that filters and topics collide often; `$` first levels and empty levels included.
const level = fc.constantFrom("a", "b", "$aws", "things", "");
const topicArb = fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join("/"));
const filterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant("+")), { minLength: 0, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, "#"] : levels).join("/"))
  .filter((filter) => filter.length > 0 && isValidTopicFilter(filter));

describe("TopicTrie", () => {
  it("matches exactly what matchesTopicFilter matches, through adds and removes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(filterArb, fc.constantFrom("hub-0", "hub-1", "hub-2"), fc.boolean()), { maxLength: 40 }),
        fc.array(topicArb, { minLength: 1, maxLength: 10 }),
        (operations, topics) => {
          const trie = new TopicTrie();
          const model = new Map<string, [string, string]>();
          for (const [filter, member, present] of operations) {
            const key = `${filter}\n${member}`;
            expect(present ? trie.add(filter, member) : trie.remove(filter, member)).toBe(present !== model.has(key));
            if (present) model.set(key, [filter, member]);
            else model.delete(key);
          }
          expect(trie.size()).toBe(new Set([...model.values()].map(([filter]) => filter)).size);
          for (const topic of topics) expect(sorted(trie.match(topic))).toEqual(sorted(scan([...model.values()], topic)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("follows AWS and MQTT on the edge cases", () => {
    const trie = new TopicTrie();
    for (const filter of ["#", "+", "a/#", "a/+", "+/b", "$aws/#", "a"]) trie.add(filter, filter);
    const matched = (topic: string) => [...trie.match(topic).keys()].sort();
    expect(matched("a")).toEqual(["#", "+", "a"]); // `a/#` does not match its parent on AWS IoT
    expect(matched("a/")).toEqual(["#", "+/b", "a/#", "a/+"].filter((f) => f !== "+/b")); // `+` matches an empty level
    expect(matched("$aws/x")).toEqual(["$aws/#"]); // leading wildcards never match `$` topics
    expect(matched("x/b")).toEqual(["#", "+/b"]);
  });

  it("prunes removed branches and keeps the others", () => {
    const trie = new TopicTrie();
    trie.add("a/b/c", "h1");
    trie.add("a/b", "h2");
    expect(trie.remove("a/b/c", "h1")).toBe(true);
    expect(trie.remove("a/b/c", "h1")).toBe(false);
    expect(trie.match("a/b/c").size).toBe(0);
    expect([...trie.match("a/b").keys()]).toEqual(["h2"]);
    expect([...trie.membersOf("a/b")]).toEqual(["h2"]);
    expect(trie.size()).toBe(1);
  });
});
