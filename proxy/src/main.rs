/// mimalloc instead of glibc malloc: the per-request allocations of the HTTP
/// stack cost less (measured in docs/benchmarks.md) and freed memory is
/// returned without the brk churn glibc showed under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    planeguard::cli::main()
}
