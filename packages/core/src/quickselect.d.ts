/** Types for `quickselect` (it ships none): reorders `arr` so that arr[k] is the k-th smallest. */
declare module 'quickselect' {
  export default function quickselect<T>(
    arr: { [i: number]: T; length: number },
    k: number,
    left?: number,
    right?: number,
    compare?: (a: T, b: T) => number,
  ): void;
}
