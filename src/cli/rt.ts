// The executable's entry (bun build --compile src/cli/rt.ts).
import { main } from "./main.ts";

process.exit(await main(process.argv.slice(2)));
