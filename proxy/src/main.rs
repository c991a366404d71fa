fn main() -> std::process::ExitCode {
    planeguard::cli::main()
}
