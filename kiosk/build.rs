//! Compiles the .slint UI. With the `embedded-fonts` feature (a default)
//! the CJK fonts are embedded in the binary (ui/fonts/embedded); a board's
//! build leaves them to the system (ui/fonts/system: Debian's
//! fonts-noto-cjk, which the package depends on).

fn main() {
    let fonts = if std::env::var_os("CARGO_FEATURE_EMBEDDED_FONTS").is_some() {
        "ui/fonts/embedded"
    } else {
        "ui/fonts/system"
    };
    let config = slint_build::CompilerConfiguration::new()
        .with_include_paths(vec![std::path::PathBuf::from(fonts)])
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles)
        // Element ids and labels for the headless UI tests (a few KB).
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("the .slint UI does not compile: {e}");
        std::process::exit(1);
    }
}
