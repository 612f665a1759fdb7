import { UsageError } from "../errors.ts";

// Container ids become directory names under the state root and cgroup names, so
// they must not be able to name anything else: no "/", no "." or "..", no NUL,
// printable ASCII only (runc's rule, which engines already follow).
// At most 255 bytes: NAME_MAX, as the id is one directory name under the root.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_+\-.]{0,254}$/;

export function validateId(id: string | undefined): string {
  if (id === undefined || id === "") throw new UsageError("container id is required");
  if (id === "." || id === ".." || !ID_PATTERN.test(id)) {
    throw new UsageError(`invalid container id ${JSON.stringify(id)}: use letters, digits and _+-. (not starting with . or -), at most 255 characters`);
  }
  return id;
}
