// Tests import src/ modules directly under Node: give them the Node host,
// as the package entry (src/index.ts) does for library users.
import "../src/sys/host-node.ts";
