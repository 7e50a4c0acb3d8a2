//! The kiosks page's card of software releases: each release published,
//! the kiosks it is for (of the ones the viewer sees), and how far it got:
//! how many run it, how many went back from it, how many have still to
//! switch.

use std::collections::HashMap;

use protocol::release::Ring;

use super::layout::Lang;
use super::web::escape;
use crate::content::Release;
use crate::store::fleet::FleetRow;

/// How far one release got among `fleet`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Kiosks it is for (its architecture, in its ring, in service).
    pub meant: usize,
    pub running: usize,
    pub rolled_back: usize,
}

pub fn progress(
    release: &Release,
    fleet: &[FleetRow],
    chains: &HashMap<u64, Vec<u64>>,
) -> Progress {
    let mut p = Progress::default();
    let version = release.info.version.to_string();
    for k in fleet.iter().filter(|k| !k.revoked) {
        let chain = chains.get(&k.center_id).map_or(&[][..], Vec::as_slice);
        if k.arch.as_deref() != Some(release.info.arch.as_str())
            || !release.info.ring.includes(k.center_id, chain)
        {
            continue;
        }
        p.meant += 1;
        if k.rolled_back_from.as_deref() == Some(version.as_str()) {
            p.rolled_back += 1;
        } else if k.software_version == version {
            p.running += 1;
        }
    }
    p
}

pub(super) fn card(
    releases: &[Release],
    fleet: &[FleetRow],
    chains: &HashMap<u64, Vec<u64>>,
    lang: Lang,
) -> String {
    if releases.is_empty() {
        return String::new();
    }
    let t = |zh, en| lang.t(zh, en);
    let ring = |r: Ring| match r {
        Ring::All => t("全部签到机", "every kiosk").to_string(),
        Ring::Center(id) => {
            let name = fleet
                .iter()
                .find(|k| k.center_id == id)
                .map_or_else(|| format!("#{id}"), |k| k.center.clone());
            format!("{} {}", t("中心", "center"), name)
        }
        Ring::Region(id) => format!("{} #{id}", t("地区", "region")),
    };
    let rows: String = releases
        .iter()
        .map(|r| {
            let p = progress(r, fleet, chains);
            let waiting = p.meant - p.running - p.rolled_back;
            format!(
                "<tr data-release=\"{version}-{arch}\"><td data-label=\"{l_version}\">{version}</td>\
                 <td data-label=\"{l_arch}\">{arch}</td><td data-label=\"{l_ring}\">{ring}</td>\
                 <td data-label=\"{l_progress}\"><progress max=\"{max}\" value=\"{running}\" \
                 aria-label=\"{l_progress}\"></progress> \
                 <span class=\"progress\">{running}/{meant} {l_running}</span></td>\
                 <td data-label=\"{l_waiting}\">{waiting}</td>\
                 <td data-label=\"{l_back}\"{back_class}>{rolled_back}</td></tr>",
                version = escape(&r.info.version.to_string()),
                arch = escape(&r.info.arch),
                ring = escape(&ring(r.info.ring)),
                max = p.meant.max(1),
                running = p.running,
                meant = p.meant,
                rolled_back = p.rolled_back,
                back_class = if p.rolled_back > 0 {
                    " class=\"below\""
                } else {
                    ""
                },
                l_version = t("版本", "Version"),
                l_arch = t("架构", "Architecture"),
                l_ring = t("发布范围", "Ring"),
                l_progress = t("已更新", "Updated"),
                l_running = t("台已更新", "updated"),
                l_waiting = t("待更新", "To switch"),
                l_back = t("已退回", "Rolled back"),
            )
        })
        .collect();
    format!(
        "<div class=\"card\" id=\"releases\"><h2>{heading}</h2>\
         <table class=\"list\"><thead><tr><th>{version}</th><th>{arch}</th><th>{ring}</th>\
         <th>{progress}</th><th>{waiting}</th><th>{back}</th></tr></thead><tbody>{rows}</tbody></table>\
         <p class=\"note\">{how}</p></div>",
        heading = t("软件版本发布", "Software releases"),
        version = t("版本", "Version"),
        arch = t("架构", "Architecture"),
        ring = t("发布范围", "Ring"),
        progress = t("已更新", "Updated"),
        waiting = t("待更新", "To switch"),
        back = t("已退回", "Rolled back"),
        how = t(
            "签到机在后台下载新版本，在门口无人时切换；新版本若未能启动，签到机自动退回原版本并在此提醒。",
            "Kiosks fetch a release in the background and switch when nobody is at the door; one that does not start goes back by itself and is flagged here."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::release::ReleaseInfo;

    fn kiosk(id: u64, center: u64, version: &str, back: Option<&str>) -> FleetRow {
        FleetRow {
            device_id: id,
            name: format!("k{id}"),
            center_id: center,
            center: format!("c{center}"),
            last_seen_ms: Some(1),
            software_version: version.into(),
            acked_seq: 0,
            waiting: None,
            clock_synchronized: Some(true),
            content_version: None,
            content_error: None,
            set_aside: 0,
            revoked: false,
            arch: Some("arm64".into()),
            rolled_back_from: back.map(str::to_owned),
            release_error: None,
            memory_kib: None,
            alerts: Vec::new(),
        }
    }

    #[test]
    fn progress_counts_the_kiosks_of_the_ring_that_run_it_and_that_went_back() {
        let release = Release {
            info: ReleaseInfo {
                version: "0.2.0".parse().expect("version"),
                arch: "arm64".into(),
                ring: Ring::Region(7),
            },
            bytes: 1,
            sha256: String::new(),
        };
        let mut other_arch = kiosk(5, 1, "0.1.0", None);
        other_arch.arch = Some("amd64".into());
        let mut revoked = kiosk(6, 1, "0.1.0", None);
        revoked.revoked = true;
        let fleet = vec![
            kiosk(1, 1, "0.2.0", None),
            kiosk(2, 1, "0.1.0", Some("0.2.0")),
            kiosk(3, 1, "0.1.0", None),
            kiosk(4, 2, "0.1.0", None),
            other_arch,
            revoked,
        ];
        let chains = HashMap::from([(1, vec![7, 3]), (2, vec![8, 3])]);
        assert_eq!(
            progress(&release, &fleet, &chains),
            Progress {
                meant: 3,
                running: 1,
                rolled_back: 1
            }
        );
        let html = card(&[release], &fleet, &chains, Lang::Zh);
        assert!(html.contains("1/3 台已更新"), "{html}");
    }
}
