import getPort from "get-port";

/**
 * A TCP port that is free on `host` right now. Reserved for the whole run, so two services started
 * back to back never get the same one (the kernel may return a just-closed port again); without
 * `reserve`, get-port forgets a port after 15 to 30 s, less than a Logto start can take here.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return getPort({ host, exclusive: true, reserve: true });
}

/** Whether something accepts TCP connections on host:port. */
export async function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
