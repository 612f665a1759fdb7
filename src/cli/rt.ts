// The executable's entry: QuickJS runs this (see native/host/SYS.md).
import { host } from "../sys/host.ts";
import "../sys/host-quickjs.ts";
import { main } from "./main.ts";

main(host().argv()).then((code) => host().exit(code));
