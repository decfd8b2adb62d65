/**
 * A start-up failure the operator fixes: in one setting (a file that is missing, a folder that cannot be
 * created, a port in use), or in the data (see RefusedMigrationError). Its message names what to fix and the
 * problem, never a secret; the process logs it as one line, without a stack, and exits with code 1 (see
 * `run-server.ts`).
 */
export class OperatorError extends Error {
  override name = 'OperatorError';

  constructor(
    /** The environment variable to fix, e.g. `ENTRA_CA_FILE`; undefined when the fix is not in a setting. */
    readonly setting: string | undefined,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(setting === undefined ? problem : `${setting}: ${problem}`, options);
  }
}

/** Data a database migration cannot convert by itself: the message says what the operator changes before starting again. */
export class RefusedMigrationError extends OperatorError {
  override name = 'RefusedMigrationError';

  constructor(problem: string) {
    super(undefined, problem);
  }
}

/** The file system's error codes, in the operator's words. */
const fileProblems: Record<string, string> = {
  ENOENT: 'a folder on the path does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied to this process',
  EPERM: 'permission denied to this process',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
};

/**
 * A file system error on the file or folder a setting names, as an OperatorError naming the setting and the path;
 * any other error unchanged.
 */
export function settingPathError(setting: string, file: string, action: 'read' | 'create', error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && action === 'read') return new OperatorError(setting, `${file} does not exist`, { cause: error });
  if (code === 'EISDIR') return new OperatorError(setting, `${file} is a folder, not a file`, { cause: error });
  if (code !== undefined && code in fileProblems)
    return new OperatorError(setting, `cannot ${action} ${file}: ${fileProblems[code]}`, { cause: error });
  return error;
}

/** `work` on the file or folder a setting names, failing with `settingPathError`. */
export function onSettingPath<T>(setting: string, file: string, action: 'read' | 'create', work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw settingPathError(setting, file, action, error);
  });
}
