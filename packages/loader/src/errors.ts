/** A file that cannot be loaded. The message is one line and starts with the file's name. */
export class WhittleLoadError extends Error {
  override name = 'WhittleLoadError';
  constructor(
    /** The file at fault (model.json or a shard path as the manifest names it). */
    readonly file: string,
    what: string,
  ) {
    super(`${file}: ${what}`);
  }
}
