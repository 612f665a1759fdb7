#!/bin/sh
# The bundle's bytecode as C, for host.c (SYS.md, Build). Run by the Makefile:
#   sh bytecode.sh QJSC DIR OUT ENTRY [CHUNK...]
# ENTRY and the CHUNKs are the .js files in DIR that `bun build --splitting
# --outdir` wrote, by file name. OUT gets:
# - qjsc_rt, qjsc_rt_size: the entry module, which the host reads at start-up;
# - rt_modules[]: { name, bytecode, size } of every chunk, ended by a NULL
#   name. The host reads a chunk only when QuickJS asks its module loader for
#   it: at start-up for the entry's static imports, otherwise at the first
#   import() that reaches it.
# Each module is compiled alone (qjsc would compile a module's static imports
# into the same output: -M names every module of the bundle as one to leave
# alone), by qjsc run in a copy of DIR with the bare file name: that is the
# module's name, and the name QuickJS's normalizer gives an import of
# "./<file>" from any module there (no directory part: none is prepended).
set -eu
qjsc=$1 dir=$2 out=$3 entry=$4
shift 4
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
qjsc=$(abs "$qjsc") dir=$(abs "$dir") out=$(abs "$out")

for m in "$entry" "$@"; do
  case $m in
    *[!A-Za-z0-9._-]* | .* | "") echo "bytecode.sh: unexpected module file name '$m'" >&2; exit 1 ;;
  esac
done

work=${out%.c}-modules
rm -rf "$work"
mkdir -p "$work"

# "use strip" (QuickJS's directive) in front of each module: no file names
# or line tables in the bytecode, 9 % less of it and 10 % fewer instructions
# at start-up (measured on the single-file bundle); a stack loses nothing
# but "rt.js:1" of a minified line. Except in a module that calls import():
# QuickJS resolves the specifier against the calling function's file name,
# which strip drops ("no function filename for import()"). Only Bun's
# minified `import(` is looked for; a false match only leaves a module
# unstripped.
for m in "$entry" "$@"; do
  if grep -Eq 'import[[:space:]]*\(' "$dir/$m"; then
    cp "$dir/$m" "$work/$m"
  else
    { echo '"use strip";'; cat "$dir/$m"; } > "$work/$m"
  fi
done

leave="-M rt:sys -M qjs:os -M qjs:std"
for m in "$entry" "$@"; do leave="$leave -M $m"; done

cd "$work"
"$qjsc" -c -m $leave -N qjsc_rt -o entry.c "$entry"
i=0
for m in "$@"; do
  "$qjsc" -c -m $leave -N "rt_module_$i" -o "$i.c" "$m"
  i=$((i + 1))
done

{
  cat entry.c
  i=0
  for m in "$@"; do
    cat "$i.c"
    i=$((i + 1))
  done
  echo 'struct rt_module { const char *name; const uint8_t *bytecode; uint32_t size; };'
  echo 'const struct rt_module rt_modules[] = {'
  i=0
  for m in "$@"; do
    echo "  { \"$m\", rt_module_$i, sizeof rt_module_$i },"
    i=$((i + 1))
  done
  echo '  { 0, 0, 0 },'
  echo '};'
} > "$out.tmp"
mv "$out.tmp" "$out"
