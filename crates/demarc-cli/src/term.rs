//! Terminal output: colour only when writing to a terminal (or asked), never with NO_COLOR.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::cli::ColorChoice;

static COLOR: AtomicU8 = AtomicU8::new(0);
static COLOR_ERR: AtomicU8 = AtomicU8::new(0);

/// Decide once, from the flag, the environment (`NO_COLOR` set to anything but empty turns
/// colour off) and whether each output is a terminal.
pub fn init(choice: ColorChoice) {
    let decide = |is_terminal: bool| match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal
        }
    };
    COLOR.store(
        u8::from(decide(std::io::stdout().is_terminal())) + 1,
        Ordering::Relaxed,
    );
    COLOR_ERR.store(
        u8::from(decide(std::io::stderr().is_terminal())) + 1,
        Ordering::Relaxed,
    );
}

fn on() -> bool {
    COLOR.load(Ordering::Relaxed) == 2
}

fn paint(code: &str, s: &str) -> String {
    if on() {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

pub fn red(s: &str) -> String {
    paint("1;31", s)
}
pub fn yellow(s: &str) -> String {
    paint("1;33", s)
}
pub fn green(s: &str) -> String {
    paint("1;32", s)
}
pub fn bold(s: &str) -> String {
    paint("1", s)
}
pub fn dim(s: &str) -> String {
    paint("2", s)
}

/// Print an error to stderr (coloured only if stderr is a terminal).
pub fn eprint_error(msg: &str) {
    if COLOR_ERR.load(Ordering::Relaxed) == 2 {
        eprintln!("\x1b[1;31m{msg}\x1b[0m");
    } else {
        eprintln!("{msg}");
    }
}

/// Write to standard output; when the reader has gone away (`demarc ... | head`), stop quietly
/// instead of failing.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// `println!` through [`out`].
#[macro_export]
macro_rules! outln {
    () => { $crate::term::out("\n") };
    ($($arg:tt)*) => { $crate::term::out(&format!("{}\n", format_args!($($arg)*))) };
}
