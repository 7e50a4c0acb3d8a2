//! A center's or a level's folder to publish, read and checked as kiosks
//! check content (the pictures decoded with their own code), and the first
//! content a new center starts from.

use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};

use super::{MAX_FILE_BYTES, MAX_FILES, check_file_name};

const DEFAULT_BUNDLE: &str = include_str!("../../../assets/content/default.json");
const DEFAULT_LOGO: &[u8] = include_bytes!("../../../assets/content/logo.png");

/// A picture [`default_bundle`] names, for a center that has published
/// nothing yet (the editor starts from the default and sends only the
/// pictures an admin chose).
pub fn default_picture(name: &str) -> Option<&'static [u8]> {
    (name == "logo.png").then_some(DEFAULT_LOGO)
}

/// A new center's first content, in Chinese with English: its name, the
/// services of every category of the national guidelines (思想引领, 基础团务,
/// 阵地功能 … 特色服务, as the kiosks' built-in content has them), the
/// 12355 youth hotline, a welcome, and the network's logo. No activities or
/// center-specific contacts: those are the center's to add before publishing.
pub fn default_bundle(center_name: &str) -> anyhow::Result<serde_json::Value> {
    let mut b: serde_json::Value = serde_json::from_str(DEFAULT_BUNDLE)?;
    b["center"]["name"] = serde_json::json!(center_name);
    // The usual hours, for the center to correct; the slogan is its aims
    // (the built-in content has them, with the service process).
    b["center"]["opening_hours"] = serde_json::json!({
        "zh": "每天 9:00–21:00",
        "en": "Open daily 9:00–21:00"
    });
    b["activities"] = serde_json::json!([]);
    b["contacts"] = serde_json::json!([
        { "label": { "zh": "青少年服务台", "en": "Youth hotline" }, "value": "12355" }
    ]);
    b["announcements"] = serde_json::json!([
        { "text": {
            "zh": format!("欢迎来到{center_name}！扫码签到，或点“我是访客”登记。"),
            "en": "Welcome! Scan your member code to check in, or tap \"I'm a visitor\"."
        } }
    ]);
    Ok(b)
}

/// Writes [`default_bundle`] and its logo into `folder` (created; an
/// existing content.json is not overwritten).
pub fn write_default(folder: &Path, center_name: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)?;
    let json = folder.join("content.json");
    ensure!(
        !json.exists(),
        "{} exists already; publish it, or write the default into an empty folder",
        json.display()
    );
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&default_bundle(center_name)?)? + "\n",
    )?;
    std::fs::write(folder.join("logo.png"), DEFAULT_LOGO)?;
    Ok(())
}

/// Gives each activity of a center's folder that has no id one, written
/// back into its content.json before it is signed, and returns the
/// activities. An activity without an id that `before` (the content
/// published now) holds under the same title and start time keeps that
/// one's id, so a folder edited without ids does not lose the sign-ups
/// and counts of its activities. A folder whose activities all have ids is
/// left as it is.
pub fn give_activity_ids(
    folder: &Path,
    before: Option<&protocol::content::Bundle>,
) -> anyhow::Result<Vec<protocol::content::Activity>> {
    let path = folder.join("content.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut bundle = protocol::content::Bundle::parse(&text)?;
    if bundle.activities.iter().all(|a| a.id.is_some()) {
        return Ok(bundle.activities);
    }
    let mut taken: std::collections::HashSet<String> = bundle
        .activities
        .iter()
        .filter_map(|a| a.id.clone())
        .collect();
    for i in 0..bundle.activities.len() {
        if bundle.activities[i].id.is_some() {
            continue;
        }
        let a = &bundle.activities[i];
        let same = before.and_then(|b| {
            b.activities.iter().find_map(|p| {
                let id = p.id.as_ref()?;
                (p.title.zh.trim() == a.title.zh.trim()
                    && p.start == a.start
                    && !taken.contains(id))
                .then(|| id.clone())
            })
        });
        let id = match same {
            Some(id) => id,
            None => new_activity_id()?,
        };
        taken.insert(id.clone());
        bundle.activities[i].id = Some(id);
    }
    std::fs::write(&path, serde_json::to_string_pretty(&bundle)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(bundle.activities)
}

/// A new activity id: `a-` and eight random base32 letters and digits.
fn new_activity_id() -> anyhow::Result<String> {
    let mut b = [0u8; 5];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "a-{}",
        data_encoding::BASE32_NOPAD.encode(&b).to_lowercase()
    ))
}

/// The files of a folder to publish, checked: content.json is there and is
/// a content bundle of a format kiosks read, every file has a plain name
/// and is at most [`MAX_FILE_BYTES`], and there are at most [`MAX_FILES`].
/// Sorted by name.
pub fn read_folder(folder: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(folder)
        .with_context(|| format!("cannot read the folder {}", folder.display()))?;
    let mut files = Vec::new();
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().to_string();
        let meta = e.metadata()?;
        ensure!(
            meta.is_file(),
            "{name}: only plain files may be published (no folders or links)"
        );
        check_file_name(&name)?;
        ensure!(
            name.len() <= 100,
            "{name:?}: a file name may be at most 100 characters"
        );
        ensure!(
            meta.len() <= MAX_FILE_BYTES,
            "{name} is {} KB; a content file may be at most {} KB",
            meta.len() / 1024,
            MAX_FILE_BYTES / 1024
        );
        files.push((name, e.path()));
    }
    ensure!(
        files.len() <= MAX_FILES,
        "{} files; a center may publish at most {MAX_FILES}",
        files.len()
    );
    files.sort();
    let json = files
        .iter()
        .find(|(n, _)| n == "content.json")
        .with_context(|| format!("{} has no content.json", folder.display()))?;
    let text = std::fs::read_to_string(&json.1).context("content.json is not UTF-8 text")?;
    // The same checks a kiosk makes before it shows the bundle.
    let bundle = protocol::content::Bundle::parse(&text)?;
    // Pictures it names must be in the folder, and nothing else may be:
    // what is signed is served to anyone who asks, so an HTML page or a
    // script must never be signed beside the content.
    let named = bundle.pictures();
    for picture in &named {
        ensure!(
            files.iter().any(|(n, _)| n == picture),
            "content.json names the picture {picture:?}, which is not in the folder"
        );
    }
    for (name, path) in &files {
        if name == "content.json" {
            continue;
        }
        ensure!(
            named.contains(&name.as_str()),
            "{name} is not a picture content.json names; only those are published (remove it)"
        );
        // Decoded as a kiosk decodes it: what a kiosk would refuse is
        // never signed.
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
        protocol::picture::decode(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    }
    Ok(files)
}

/// A region's folder to publish: its content.json, a region bundle (name,
/// announcements, activities, an emergency notice) as kiosks check it, and
/// optionally its services.json (the services and service process every
/// center below it offers, [`protocol::content::RegionServices`]).
pub fn read_region_folder(folder: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut others = Vec::new();
    for e in std::fs::read_dir(folder)
        .with_context(|| format!("cannot read the folder {}", folder.display()))?
    {
        let name = e?.file_name().to_string_lossy().to_string();
        if name != "content.json" && name != REGION_SERVICES {
            others.push(name);
        }
    }
    ensure!(
        others.is_empty(),
        "a region publishes its content.json and services.json alone (no pictures yet); remove {}",
        others.join(", ")
    );
    let read = |name: &str| -> anyhow::Result<String> {
        let path = folder.join(name);
        let meta = std::fs::metadata(&path)
            .with_context(|| format!("{} has no {name}", folder.display()))?;
        ensure!(
            meta.len() <= MAX_FILE_BYTES,
            "{name} is {} KB; at most {} KB",
            meta.len() / 1024,
            MAX_FILE_BYTES / 1024
        );
        std::fs::read_to_string(&path).with_context(|| format!("{name} is not UTF-8 text"))
    };
    protocol::content::RegionBundle::parse(&read("content.json")?)?;
    let mut files = vec![("content.json".to_string(), folder.join("content.json"))];
    if folder.join(REGION_SERVICES).exists() {
        protocol::content::RegionServices::parse(&read(REGION_SERVICES)?)?;
        files.push((REGION_SERVICES.to_string(), folder.join(REGION_SERVICES)));
    }
    Ok(files)
}

/// A region's services and service process, published beside its content.json.
pub const REGION_SERVICES: &str = "services.json";

/// Splits what a region's editor sends (its content.json with `services`
/// and `service_process` in it) into the two files kiosks read: the
/// content without them, and the services (`None` when it names none).
pub fn split_region_content(
    mut content: serde_json::Value,
) -> (serde_json::Value, Option<serde_json::Value>) {
    let mut services = serde_json::Map::new();
    if let Some(obj) = content.as_object_mut() {
        for key in ["services", "service_process"] {
            if let Some(v) = obj.remove(key)
                && v.as_array().is_some_and(|a| !a.is_empty())
            {
                services.insert(key.to_string(), v);
            }
        }
    }
    let services = (!services.is_empty()).then_some(serde_json::Value::Object(services));
    (content, services)
}
