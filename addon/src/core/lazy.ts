/**
 * A module imported the first time it is needed, then kept: code that a configuration never uses (HomeKit,
 * RTMP, ONVIF, Home Assistant's client...) then costs no memory in an idle server. Concurrent first calls share
 * one import; a failed import is tried again on the next call.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}
