//! Runs one piece of explaining N times, for counting its instructions with callgrind (which
//! load on the machine does not change, unlike time): `explain_cost N WHAT` with WHAT one of
//! `nothing`, `market`, `plan` (`explain_change` against a reference), `encode`,
//! `encode_market`, `encode_plan` (an update in JSON without and with an explanation). The
//! per-run figure is (instructions at N − instructions at 0) / N; see BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::hint::black_box;

use actors::live::explain::explain_change;
use protocol::ws::Encoding;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).expect("a count");
    let what = args.next().expect("what to run");
    let s = common::scene();
    let explained = |mark| common::update(explain_change(&s.reference, mark));
    let (plain, market, plan) = (
        common::update(None),
        explained(&s.fallen),
        explained(&s.committed),
    );
    let explains =
        |mark| usize::from(explain_change(black_box(&s.reference), black_box(mark)).is_some());
    let mut out = 0;
    for _ in 0..n {
        out += match what.as_str() {
            "nothing" => explains(&s.still),
            "market" => explains(&s.fallen),
            "plan" => explains(&s.committed),
            "encode" => Encoding::Json.encode(black_box(&plain)).unwrap().len(),
            "encode_market" => Encoding::Json.encode(black_box(&market)).unwrap().len(),
            "encode_plan" => Encoding::Json.encode(black_box(&plan)).unwrap().len(),
            other => panic!("unknown {other}"),
        };
    }
    println!("{what} x{n}: {out}");
}
