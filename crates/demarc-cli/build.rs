//! Link settings for the `demarc` binary.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // Pack the relative relocations (DT_RELR, GNU ld 2.38+, glibc 2.36+): the binary stays
        // position-independent, but the loader no longer reads 2.7 MB of relocation records
        // at every start, which was a third of a short command's memory.
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
