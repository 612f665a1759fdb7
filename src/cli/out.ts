// Output for the CLI. console.log/console.error rather than process.stdout:
// in a Bun executable, touching process.stdout builds a Node stream and costs
// ≈ 15 ms of start-up; console writes natively.

/** Writes text to stdout; a trailing newline is kept exactly once. */
export function print(text: string): void {
  if (text === "") return;
  console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
}

export function printErr(text: string): void {
  console.error(text.endsWith("\n") ? text.slice(0, -1) : text);
}
