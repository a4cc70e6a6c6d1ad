//! The migrations are embedded at compile time (`embed_migrations!`), which sees a changed file
//! but not a new migration directory: this makes cargo rebuild the crate when one appears.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
