//! Compiles the .slint UI; the CJK font it imports is embedded in the binary.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles)
        // Element ids and labels for the headless UI tests (a few KB).
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("the .slint UI does not compile: {e}");
        std::process::exit(1);
    }
}
