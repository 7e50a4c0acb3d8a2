#!/usr/bin/env python3
"""Writes the kiosk's home screen as a static HTML page (for scripts/bench-ui.sh):
the same content bundle, the same bundled CJK font, at 1920x1080."""
import json
import sys

CATEGORIES = ["ideological_guidance", "league_affairs", "venue_use", "resource_integration",
              "employment", "culture_learning", "public_service", "rights_protection",
              "leisure", "sports", "life_services", "featured"]


def text(t):
    return t["zh"] if isinstance(t, dict) else t


bundle = json.load(open(sys.argv[1], encoding="utf-8"))
fonts = sys.argv[2]
# The center's logo, from the bundle's folder, as the kiosk shows it.
logo_name = bundle["center"].get("logo")
logo = ""
if logo_name:
    import os
    logo = "<img src='file://{}' width=96 height=96 style='vertical-align: middle'> ".format(
        os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), logo_name))
services = "".join(
    "<div class='tile'><b>{}</b><p>{}</p></div>".format(
        c, "、".join(text(s["title"]) for s in bundle["services"] if s["category"] == c))
    for c in CATEGORIES)
activities = "".join(
    "<li><b>{}–{}</b> {} <small>{}</small></li>".format(a["start"], a["end"], text(a["title"]), text(a["place"]))
    for a in bundle["activities"][:3])
contacts = "".join("<li>{}: <b>{}</b></li>".format(text(c["label"]), text(c["value"])) for c in bundle["contacts"])
print(f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@font-face {{ font-family: K; src: url(file://{fonts}/NotoSansSC-Regular-Subset.otf); }}
@font-face {{ font-family: K; font-weight: 700; src: url(file://{fonts}/NotoSansSC-Bold-Subset.otf); }}
body {{ margin: 0; width: 1920px; height: 1080px; font-family: K; background: #f5f2ec; }}
header {{ background: #c8102e; color: #fff; padding: 24px; font-size: 40px; font-weight: 700; }}
main {{ display: grid; grid-template-columns: 3fr 2fr; gap: 16px; padding: 16px; }}
.grid {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }}
.tile {{ background: #fff; border-radius: 8px; padding: 10px; }}
footer {{ position: fixed; bottom: 0; width: 100%; background: #fff; padding: 20px; font-size: 32px; }}
</style></head><body><header>{logo}{text(bundle["center"]["name"])}<br><small>{text(bundle["center"]["opening_hours"])}</small></header>
<main><div class="grid">{services}</div><div><h2>今日活动</h2><ul>{activities}</ul><h2>联系我们</h2><ul>{contacts}</ul></div></main>
<footer>请扫描会员二维码签到 <button>我是访客</button> <button>志愿者</button> <button>工作人员</button></footer></body></html>""")
