//! `/ws` binary frames (MessagePack): whatever a client sends must decode to a message or to
//! an error, never panic, and what decodes must survive the server's own encoding unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::ws::{ClientMessage, Encoding};

fuzz_target!(|data: &[u8]| {
    check(Encoding::MessagePack, data);
});

fn check(encoding: Encoding, data: &[u8]) {
    let Ok(message) = ClientMessage::from_frame(encoding, data) else {
        return;
    };
    let Ok(encoded) = encoding.encode(&message) else {
        panic!("a decoded message does not encode: {message:?}");
    };
    match ClientMessage::from_frame(encoding, &encoded) {
        Ok(again) => assert_eq!(
            encoding.encode(&again).ok(),
            Some(encoded),
            "re-encoding changed {message:?}"
        ),
        Err(e) => panic!("the server's own encoding of {message:?} does not decode: {e}"),
    }
}
