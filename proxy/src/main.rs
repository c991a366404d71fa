fn main() {
    planeguard::cli::main();
}
