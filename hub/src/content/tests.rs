use super::*;

fn folder(dir: &Path, name: &str, title: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::create_dir_all(&f).expect("mkdir");
    std::fs::write(
        f.join("content.json"),
        format!(r#"{{"format": 1, "center": {{"name": "{title}", "logo": "logo.png"}}}}"#),
    )
    .expect("json");
    std::fs::write(f.join("logo.png"), png()).expect("logo");
    f
}

/// A small real PNG.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbaImage::from_pixel(4, 4, image::Rgba([200, 16, 46, 255]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn publishing_makes_a_new_signed_version_and_keeps_other_centers_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::new(&dir.path().join("hub"));
    let rt = rt();
    let root_key = dir.path().join("root.pk8");
    rt.block_on(repo.init(&root_key)).expect("init");
    assert_eq!(rt.block_on(repo.version()).expect("version"), 1);
    assert!(
        !repo.keys_dir().join("root.pk8").exists() && root_key.exists(),
        "the root key is only where the admin asked"
    );
    let a = folder(dir.path(), "a", "一");
    let b = folder(dir.path(), "b", "二");
    let p = rt.block_on(repo.publish(1, &a)).expect("publish 1");
    assert_eq!((p.version, p.files.len()), (2, 2));
    rt.block_on(repo.publish(2, &b)).expect("publish 2");
    std::fs::write(
        a.join("content.json"),
        r#"{"format": 1, "center": {"name": "三"}}"#,
    )
    .expect("edit");
    std::fs::remove_file(a.join("logo.png")).expect("rm");
    let p = rt.block_on(repo.publish(1, &a)).expect("publish 1 again");
    assert_eq!(p.version, 4);
    let loaded = rt.block_on(repo.load()).expect("load");
    let mut names: Vec<String> = loaded
        .all_targets()
        .map(|(n, _)| n.raw().to_string())
        .collect();
    assert!(
        loaded.targets().signed.targets.is_empty(),
        "the top level signs no file itself"
    );
    // Each center's files are signed by its own role, and only its names.
    for center in ["center-1", "center-2"] {
        let role = loaded.delegated_role(center).expect("delegated");
        let signed = role.targets.as_ref().expect("its metadata");
        assert!(
            signed
                .signed
                .targets
                .keys()
                .all(|n| n.raw().starts_with(&format!("{center}-")))
        );
    }
    names.sort();
    assert_eq!(
        names,
        [
            "center-1-content.json",
            "center-2-content.json",
            "center-2-logo.png"
        ]
    );
    // A refresh moves the timestamp, not the content's version.
    let before = rt
        .block_on(repo.load())
        .expect("load")
        .timestamp()
        .signed
        .version;
    assert_eq!(rt.block_on(repo.refresh_timestamp()).expect("refresh"), 4);
    let after = rt
        .block_on(repo.load())
        .expect("load")
        .timestamp()
        .signed
        .version;
    assert_eq!(after.get(), before.get() + 1);
    assert!(
        rt.block_on(repo.init(&dir.path().join("again.pk8")))
            .is_err()
    );
}

#[test]
fn a_centers_key_cannot_sign_another_centers_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::new(&dir.path().join("hub"));
    let rt = rt();
    rt.block_on(repo.init(&dir.path().join("root.pk8")))
        .expect("init");
    // Center 2 first, so its role comes before center 1's in the
    // delegations: only the roles' paths can keep it from answering.
    rt.block_on(repo.publish(2, &folder(dir.path(), "b", "二")))
        .expect("publish 2");
    rt.block_on(repo.publish(1, &folder(dir.path(), "a", "一")))
        .expect("publish 1");
    // Center 2's role, signed with center 2's key, lists center 2's
    // content under center 1's name.
    let forged_file = dir.path().join("b").join("content.json");
    rt.block_on(async {
        let loaded = repo.load().await?;
        let root = repo.metadata_dir().join("root.json");
        let mut editor = RepositoryEditor::from_repo(&root, loaded).await?;
        editor
            .targets_version(NonZeroU64::new(10).expect("10"))?
            .targets_expires(days(1)?)?;
        editor.sign_targets_editor(&repo.online_keys()).await?;
        editor.change_delegated_targets("center-2")?;
        let name = TargetName::new("center-1-content.json")?;
        let target = Target::from_path(&forged_file).await?;
        editor.add_target(name.clone(), target.clone())?;
        editor
            .targets_version(NonZeroU64::new(10).expect("10"))?
            .targets_expires(days(1)?)?;
        editor
            .sign_targets_editor(&[key(repo.role_key("center-2")?)])
            .await?;
        editor
            .snapshot_version(NonZeroU64::new(10).expect("10"))
            .snapshot_expires(days(1)?)
            .timestamp_version(NonZeroU64::new(10).expect("10"))
            .timestamp_expires(days(1)?);
        let signed = editor.sign(&repo.online_keys()).await?;
        // The forged file itself goes in under its hash, by hand.
        let sha = target.hashes.sha256.clone().into_vec();
        std::fs::copy(
            &forged_file,
            repo.targets_dir().join(format!(
                "{}.center-1-content.json",
                sha.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )),
        )?;
        repo.install(&signed, &[]).await?;
        anyhow::Ok(())
    })
    .expect("the forgery is written");
    // A reader of the repository (as a kiosk is) gets center 1's own
    // file under that name: center 2's key is not trusted for it.
    let loaded = rt.block_on(repo.load()).expect("load");
    let name = TargetName::new("center-1-content.json").expect("name");
    let own = loaded
        .delegated_role("center-1")
        .and_then(|r| r.targets.as_ref())
        .expect("center 1's role");
    assert!(own.signed.targets.contains_key(&name));
    let bytes = rt
        .block_on(async {
            use tough::IntoVec;
            let stream = loaded.read_target(&name).await?.context("listed")?;
            anyhow::Ok(stream.into_vec().await?)
        })
        .expect("read");
    let genuine = std::fs::read(dir.path().join("a").join("content.json")).expect("a");
    assert_eq!(bytes, genuine);
    assert_ne!(bytes, std::fs::read(&forged_file).expect("b"));
}

#[test]
fn a_new_root_needs_the_root_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::new(&dir.path().join("hub"));
    let rt = rt();
    let root_key = dir.path().join("root.pk8");
    rt.block_on(repo.init(&root_key)).expect("init");
    let other = dir.path().join("other.pk8");
    generate_key(&other).expect("key");
    assert!(rt.block_on(repo.rotate_root(&other)).is_err());
    assert_eq!(rt.block_on(repo.rotate_root(&root_key)).expect("rotate"), 2);
    rt.block_on(repo.load())
        .expect("still loads with the new root");
}

#[test]
fn a_new_centers_default_content_covers_every_category_and_publishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("new");
    write_default(&f, "柳湾村青年之家").expect("default");
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.join("content.json")).expect("read"))
            .expect("json");
    assert_eq!(b["center"]["name"], "柳湾村青年之家");
    for c in protocol::catalog::ServiceCategory::ALL {
        assert!(
            b["services"]
                .as_array()
                .expect("services")
                .iter()
                .any(|s| s["category"] == c.code()),
            "{} has no service",
            c.code()
        );
    }
    assert_eq!(b["contacts"][0]["value"], "12355");
    assert!(b["announcements"][0]["text"]["en"].is_string());
    read_folder(&f).expect("publishable as it is");
    assert!(write_default(&f, "x").is_err(), "never overwrites");
}

#[test]
fn a_bad_folder_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = folder(dir.path(), "f", "一");
    read_folder(&f).expect("good");
    std::fs::remove_file(f.join("logo.png")).expect("rm");
    let e = read_folder(&f).expect_err("logo missing").to_string();
    assert!(e.contains("logo"), "{e}");
    std::fs::write(f.join("logo.png"), vec![0u8; MAX_FILE_BYTES as usize + 1]).expect("big");
    let e = read_folder(&f).expect_err("too big").to_string();
    assert!(e.contains("at most"), "{e}");
    // A page dressed as the logo is decoded, as a kiosk would, and refused.
    std::fs::write(
        f.join("logo.png"),
        b"<html><script>alert(1)</script></html>",
    )
    .expect("html");
    let e = format!("{:#}", read_folder(&f).expect_err("not a picture"));
    assert!(e.contains("logo.png: not a picture a kiosk shows"), "{e}");
    std::fs::write(f.join("logo.png"), png()).expect("logo");
    read_folder(&f).expect("good again");
    // A file content.json does not name is never signed (it would be
    // served to anyone).
    std::fs::write(f.join("page.html"), b"<html></html>").expect("html");
    let e = format!("{:#}", read_folder(&f).expect_err("not named"));
    assert!(
        e.contains("page.html is not a picture content.json names"),
        "{e}"
    );
    std::fs::remove_file(f.join("page.html")).expect("rm");
    std::fs::write(f.join("bad name.png"), b"x").expect("odd");
    assert!(read_folder(&f).is_err());
    std::fs::remove_file(f.join("bad name.png")).expect("rm");
    std::fs::write(f.join("content.json"), r#"{"format": 2}"#).expect("json");
    assert!(read_folder(&f).is_err());
    std::fs::remove_file(f.join("content.json")).expect("rm");
    let e = read_folder(&f).expect_err("none").to_string();
    assert!(e.contains("content.json"), "{e}");
    for bad in ["../x", ".hidden", "a/b", ""] {
        assert!(check_file_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn activities_get_ids_at_their_first_publish_and_keep_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::new(&dir.path().join("hub"));
    let rt = rt();
    rt.block_on(repo.init(&dir.path().join("root.pk8")))
        .expect("init");
    let f = folder(dir.path(), "a", "一");
    let with = |acts: &str| {
        std::fs::write(
            f.join("content.json"),
            format!(
                r#"{{"format": 1, "center": {{"name": "一", "logo": "logo.png"}}, "activities": [{acts}]}}"#
            ),
        )
        .expect("json");
    };
    let reading = r#"{"title": {"zh": "读书会"}, "category": "culture_learning", "days": ["sat"], "start": "19:00", "end": "20:30", "place": {"zh": "阅览室"}}"#;
    let sports = r#"{"title": {"zh": "篮球"}, "category": "sports", "days": ["sun"], "start": "09:00", "end": "11:00", "place": {"zh": "球场"}}"#;
    with(&format!("{reading}, {sports}"));
    let p = rt.block_on(repo.publish(1, &f)).expect("publish");
    let ids: Vec<String> = p.activities.iter().filter_map(|a| a.id.clone()).collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    assert!(
        ids.iter().all(|id| protocol::content::is_activity_id(id)),
        "{ids:?}"
    );
    // Written back: the folder carries them for the next publish, and the
    // signed content.json holds them for kiosks.
    let local = std::fs::read_to_string(f.join("content.json")).expect("read");
    assert!(ids.iter().all(|id| local.contains(id.as_str())), "{local}");
    let signed = rt
        .block_on(repo.published_json(1))
        .expect("read")
        .expect("published");
    assert!(
        ids.iter()
            .all(|id| String::from_utf8_lossy(&signed).contains(id.as_str()))
    );

    // The folder edited without its ids (a copy from before): the same
    // activities (title and start) get their ids back; a new one a new id.
    let art = r#"{"title": {"zh": "非遗手作"}, "category": "featured", "date": "2026-12-20", "start": "14:00", "end": "16:00", "place": {"zh": "手工室"}}"#;
    with(&format!("{sports}, {art}, {reading}"));
    let p = rt.block_on(repo.publish(1, &f)).expect("publish again");
    let again: Vec<String> = p.activities.iter().filter_map(|a| a.id.clone()).collect();
    assert_eq!(again[0], ids[1], "篮球 keeps its id");
    assert_eq!(again[2], ids[0], "读书会 keeps its id");
    assert!(!ids.contains(&again[1]));

    // Two activities given one id are refused before anything is signed.
    with(&format!(
        r#"{}, {}"#,
        reading.replacen('{', r#"{"id": "a-same", "#, 1),
        sports.replacen('{', r#"{"id": "a-same", "#, 1)
    ));
    assert!(rt.block_on(repo.publish(1, &f)).is_err());
}

#[test]
fn activities_added_at_the_same_time_are_all_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hub");
    rt().block_on(Repo::new(&data).init(&dir.path().join("root.pk8")))
        .expect("init");
    // Two writers (the activities page and `hub activity add`), each its
    // own repository handle, adding three activities each at once.
    let writers: Vec<_> = ["甲", "乙"]
        .into_iter()
        .map(|who| {
            let data = data.clone();
            std::thread::spawn(move || {
                let repo = Repo::new(&data);
                let rt = rt();
                for i in 0..3 {
                    let a: protocol::content::Activity = serde_json::from_value(serde_json::json!({
                        "title": {"zh": format!("{who}的活动{i}")}, "category": "leisure",
                        "date": "2026-12-20", "start": "19:00", "end": "20:00", "place": {"zh": "二楼"}
                    }))
                    .expect("activity");
                    rt.block_on(repo.add_activity(1, "城东青年之家", a)).expect("added");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let json = rt()
        .block_on(Repo::new(&data).published_json(1))
        .expect("read")
        .expect("published");
    let bundle = protocol::content::Bundle::parse(&String::from_utf8_lossy(&json)).expect("bundle");
    let mut titles: Vec<String> = bundle
        .activities
        .iter()
        .map(|a| a.title.zh.clone())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "乙的活动0",
            "乙的活动1",
            "乙的活动2",
            "甲的活动0",
            "甲的活动1",
            "甲的活动2"
        ],
        "no activity lost"
    );
}
