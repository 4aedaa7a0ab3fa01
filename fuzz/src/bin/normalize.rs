//! Fuzz target: parse, normalise, tag and sign: the ingest path short of the database.

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::ingest(data));
}
