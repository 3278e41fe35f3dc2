//! Log parsing: any bytes, fed in chunks of any size, with any line limit, recognised (kernel,
//! virt-handler, importer, console), split into excerpts and read field by field.
#![no_main]

use kvdiag::parse::log_parsed;
use kvdiag::{LogSource, LogStreamBuilder, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[chunk, limit], bytes)) = data.split_first_chunk::<2>() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let max_line = usize::from(limit).max(1) * 4;
    let mut b = LogStreamBuilder::new(LogSource::new("fuzz.log")).max_line_bytes(max_line);
    for part in bytes.chunks(chunk) {
        b.push(part);
    }
    let stream = b.finish();
    for line in stream.lines() {
        assert!(line.text.len() <= max_line, "a line longer than its limit");
        for key in ["msg", "component", "timestamp", "kind", "name", "namespace"] {
            let _ = line.field(key);
        }
    }
    let _ = stream.last_timestamp();
    let _ = stream.first_field("component");
    match log_parsed(stream) {
        Parsed::Log(l) => {
            let _ = l.len();
        }
        Parsed::Logs(ls) => {
            for l in ls {
                let _ = l.lines().count();
            }
        }
        _ => {}
    }
});
