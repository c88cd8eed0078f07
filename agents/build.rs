//! Lets this crate's tests find libtorch at run time: an rpath to the directory torch-sys
//! linked against (the venv's `torch/lib`), so nobody has to export LD_LIBRARY_PATH.

fn main() {
    // torch-sys declares `links = "tch"` and prints `cargo:libtorch_lib=DIR`.
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
