//! Fuzz target: the config loader (`khabar.toml`).

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::config(data));
}
