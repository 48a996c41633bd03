import { it } from "vitest";
import { simulate } from "./sim/model";

it("debug", async () => {
  const [seed, commands] = JSON.parse(process.env.CASE!);
  await simulate(seed, commands, { trace: (lines) => console.log(lines.join("\n")) });
});
