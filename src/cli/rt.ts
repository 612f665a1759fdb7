// The executable's entry (bun build --compile src/cli/rt.ts).
import { main } from "./main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));
