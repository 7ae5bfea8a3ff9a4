//! Any bytes, in every envelope, through the AWS factory, strict and lenient: the factory may
//! return errors but must never panic.
#![no_main]

use bridgecraft_factory::{AwsFactory, Envelope, EventFactory, Strictness};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lenient = AwsFactory::aws();
    for envelope in Envelope::ALL {
        let _ = lenient.decode(data, envelope);
    }
    let strict = AwsFactory::aws().strictness(Strictness::Strict);
    let _ = strict.decode(data, Envelope::Auto);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = strict.decode_sqs_body(text);
    }
});
