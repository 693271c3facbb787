import type { MovedPrice } from '../live/useLive';
import { price } from './format';

/** The prices that moved in the latest update. */
export function Ticker({ moved }: { moved: MovedPrice[] }) {
  return (
    <section className="ticker" aria-label="Prices that moved">
      {moved.length === 0 ? (
        <span className="muted">No price moves yet.</span>
      ) : (
        <ul>
          {moved.slice(0, 12).map((m) => {
            const dir = m.previous === undefined || m.previous === m.price ? 'flat' : m.price > m.previous ? 'up' : 'down';
            return (
              <li key={m.symbol} className={`tick ${dir}`}>
                <span className="sym">{m.symbol}</span> {price(m.price)}
                <span className="visually-hidden">{dir === 'up' ? ' up' : dir === 'down' ? ' down' : ''}</span>
                <span aria-hidden="true">{dir === 'up' ? ' ▲' : dir === 'down' ? ' ▼' : ''}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
