//! planeguard-loadtest: load generator, canary-checking sink and peer comparison.
fn main() {
    eprintln!("planeguard-loadtest: not built yet (see issue 5)");
    std::process::exit(2);
}
