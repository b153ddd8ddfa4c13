//! Link settings for the `demarc` binary.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // Pack the relative relocations (DT_RELR, GNU ld 2.38+, glibc 2.36+): the binary stays
        // position-independent, but the loader no longer reads 2.7 MB of relocation records
        // at every start, which was a third of a short command's memory.
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
        // Place the functions short commands run at the front of the code, side by side
        // (`bench/hot-code.py` writes the list): the kernel maps code 64 KB around each page
        // touched, so scattered, they held three times the memory. The script only adds an
        // output section before `.text` (INSERT), which lld and GNU ld both read.
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        let script = std::path::Path::new(&dir).join("link").join("hot.ld");
        if script.is_file() {
            println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/hot.ld");
}
