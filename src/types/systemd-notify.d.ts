// The systemd-notify package ships no types.
declare module 'systemd-notify' {
  const notify: (opts: { ready?: boolean; status?: string; pid?: number }) => Promise<unknown>;
  export default notify;
}
