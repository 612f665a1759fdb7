// The functions rt:sys exports (native/host/SYS.md), defined in sys_files.c
// and sys_process.c, listed in sys_module.c's export table.
#ifndef RT_SYS_BINDINGS_H
#define RT_SYS_BINDINGS_H

#include "quickjs.h"

#define SYS_BINDING(name) JSValue sys_##name(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)

// sys_files.c
SYS_BINDING(readFile);
SYS_BINDING(writeFile);
SYS_BINDING(open);
SYS_BINDING(close);
SYS_BINDING(read);
SYS_BINDING(write);
SYS_BINDING(utf8Decode);
SYS_BINDING(utf8Encode);
SYS_BINDING(rename);
SYS_BINDING(mkdir);
SYS_BINDING(rmdir);
SYS_BINDING(unlink);
SYS_BINDING(lstat);
SYS_BINDING(stat);
SYS_BINDING(readdir);
SYS_BINDING(realpath);
SYS_BINDING(getcwd);
SYS_BINDING(readlink);
SYS_BINDING(socketpair);

// sys_process.c
SYS_BINDING(getpid);
SYS_BINDING(getuid);
SYS_BINDING(geteuid);
SYS_BINDING(getenv);
SYS_BINDING(kill);
SYS_BINDING(signalfd);
SYS_BINDING(readSignal);
SYS_BINDING(unblockSignals);
SYS_BINDING(spawn);
SYS_BINDING(waitpid);
SYS_BINDING(sleep);
SYS_BINDING(exit);

// sys_run.c
SYS_BINDING(run);
// sys_tty.c
SYS_BINDING(unixListen);
SYS_BINDING(recvFd);
SYS_BINDING(ttyMakeRaw);
SYS_BINDING(ttyRestore);
SYS_BINDING(ttyGetSize);
SYS_BINDING(ttySetSize);
SYS_BINDING(setNonblock);

#undef SYS_BINDING

#endif
