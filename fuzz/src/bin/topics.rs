//! Fuzz target: the topic rule compiler (term groups and topics in TOML).

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::topics(data));
}
