//! The `demarc` binary is linked with `crates/demarc-cli/link/hot.ld` on Linux with glibc: the
//! functions short commands run sit together at the front of its code. If the script stopped
//! matching (symbols mangled another way, the script left out of the link), the binary would
//! still work, only take three times the code pages; this test notices.

/// The size of the named section of an ELF64 little-endian file, read from its section headers.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn section_size(path: &std::path::Path, wanted: &str) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).unwrap();
    let mut read_at = |offset: u64, len: usize| {
        let mut buf = vec![0u8; len];
        f.seek(SeekFrom::Start(offset)).unwrap();
        f.read_exact(&mut buf).unwrap();
        buf
    };
    let header = read_at(0, 64);
    assert_eq!(
        &header[..6],
        b"\x7fELF\x02\x01",
        "an ELF64 little-endian file"
    );
    let u16_at = |b: &[u8], at: usize| u64::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u32_at =
        |b: &[u8], at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap()));
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(&header, 0x28),
        u16_at(&header, 0x3a),
        u16_at(&header, 0x3c),
        u16_at(&header, 0x3e),
    );
    let headers = read_at(shoff, (shentsize * shnum) as usize);
    let entry = |i: u64| &headers[(i * shentsize) as usize..((i + 1) * shentsize) as usize];
    let names = entry(shstrndx);
    let names = read_at(u64_at(names, 0x18), u64_at(names, 0x20) as usize);
    (0..shnum).find_map(|i| {
        let e = entry(i);
        let start = u32_at(e, 0) as usize;
        let end = start + names[start..].iter().position(|b| *b == 0)?;
        (&names[start..end] == wanted.as_bytes()).then(|| u64_at(e, 0x20))
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_code_short_commands_run_sits_together() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_demarc"));
    let hot = section_size(binary, ".text.hot").expect("the binary has a .text.hot section");
    let text = section_size(binary, ".text").expect("the binary has a .text section");
    // About 3 MB in a release build of 37 MB of code; a debug build inlines less, so its
    // functions are more and smaller, but hundreds of them still match.
    assert!(
        hot > 256 * 1024 && hot < text / 4,
        ".text.hot holds {hot} bytes beside {text} in .text"
    );
}
