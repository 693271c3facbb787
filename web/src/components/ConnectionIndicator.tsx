import { useEffect, useState } from 'react';
import type { StreamClient } from '../live/stream';
import { useConnection } from '../live/useLive';

/** Says whether the numbers on screen are live, being refreshed, or old. */
export function ConnectionIndicator({ stream }: { stream: StreamClient }) {
  const status = useConnection(stream);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (status.kind !== 'offline') return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [status]);
  let text: string;
  switch (status.kind) {
    case 'live':
      text = 'Live';
      break;
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'resyncing':
      text = 'Catching up…';
      break;
    case 'offline':
      text = `Offline, retrying in ${Math.max(0, Math.ceil((status.retryAtMs - now) / 1000))} s`;
      break;
    case 'closed':
      text = `Disconnected: ${status.reason}`;
      break;
  }
  return (
    <span className={`conn conn-${status.kind}`} role="status" aria-live="polite" data-testid="connection">
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
