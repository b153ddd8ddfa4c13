//! A catalogue file from arbitrary bytes: `yaml::parse_catalogue`.
#![no_main]

use demarc_formats::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = yaml::parse_catalogue("catalogue.yaml", text);
});
