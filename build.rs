//! Link settings of the `ludica` binary and its tests: an rpath to libtorch's directory (the
//! venv's `torch/lib`, as torch-sys found it), so the binary runs without LD_LIBRARY_PATH, and
//! libtorch_cuda kept as a needed library, so `--device cuda` works on a machine with a GPU
//! (the linker would otherwise drop it: nothing references it by symbol).

fn main() {
    // torch-sys declares `links = "tch"` and prints `cargo:libtorch_lib=DIR`.
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        if std::path::Path::new(&dir).join("libtorch_cuda.so").exists() {
            println!("cargo:rustc-link-arg-bins=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
        }
    }
}
