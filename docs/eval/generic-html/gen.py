#!/usr/bin/env python3
"""Independent MRZ test-set generator: HTML/CSS -> headless Chromium -> ImageMagick captures.
Standard library only.  Usage: python3 gen.py [--only ID,...] [--no-render] [--no-capture]"""
import html, json, os, random, subprocess, sys
from mrz import td1, td2, td3, translit
from docs import DOCS

OUT = os.path.dirname(os.path.abspath(__file__))
SIZES = {'TD3': (125.0, 88.0), 'TD2': (105.0, 74.0), 'TD1': (85.6, 54.0)}
MON = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
MON_FR = ['JAN', 'FÉV', 'MARS', 'AVR', 'MAI', 'JUIN', 'JUIL', 'AOÛT', 'SEPT', 'OCT', 'NOV', 'DÉC']
MON_E = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

CAP_FR = {'type': 'Type', 'code': 'Code', 'docno': 'Passport No. / N° du passeport', 'cardno': 'Document No. / N° du document',
          'last': 'Surname / Nom', 'first': 'Given names / Prénoms', 'nat': 'Nationality / Nationalité',
          'dob': 'Date of birth / Date de naissance', 'sex': 'Sex / Sexe', 'pob': 'Place of birth / Lieu de naissance',
          'doi': 'Date of issue / Date de délivrance', 'doe': 'Date of expiry / Date d\'expiration',
          'auth': 'Authority / Autorité', 'pers': 'Personal No. / N° personnel', 'sig': 'Holder\'s signature / Signature du titulaire'}
CAP_EN = {'type': 'Type', 'code': 'Code of issuing State', 'docno': 'Passport No.', 'cardno': 'Document No.',
          'last': 'Surname', 'first': 'Given names', 'nat': 'Nationality', 'dob': 'Date of birth', 'sex': 'Sex',
          'pob': 'Place of birth', 'doi': 'Date of issue', 'doe': 'Date of expiry', 'auth': 'Authority',
          'pers': 'Personal No.', 'sig': 'Holder\'s signature'}

# theme: (header bg, header fg, caption colour, value colour, background CSS, caption font, value font)
THEMES = [
    ('#7a1f2b', '#fff', '#5a4a4a', '#111',
     'repeating-linear-gradient(45deg, rgba(190,120,140,.10) 0 0.35mm, transparent 0.35mm 1.6mm),'
     'repeating-linear-gradient(-45deg, rgba(160,120,190,.10) 0 0.35mm, transparent 0.35mm 1.6mm), #fbf3f1',
     'DejaVu Sans', 'DejaVu Sans'),
    ('#1d3557', '#f1faee', '#3b4b63', '#0b0b0b',
     'radial-gradient(circle at 70% 40%, rgba(120,170,210,.18) 0, transparent 45mm),'
     'repeating-radial-gradient(circle at 70% 40%, rgba(90,140,190,.10) 0 0.3mm, transparent 0.3mm 1.8mm), #f2f6fa',
     'Liberation Sans', 'Liberation Sans'),
    ('#2d6a4f', '#fff', '#44584c', '#101010',
     'repeating-linear-gradient(0deg, rgba(80,160,110,.09) 0 0.25mm, transparent 0.25mm 1.1mm),'
     'linear-gradient(120deg, #eef7ee, #f8f3e6 60%, #eaf2f6)',
     'Noto Sans', 'Noto Sans'),
    ('#3d2c6b', '#fff', '#4e4666', '#151515',
     'repeating-linear-gradient(60deg, rgba(150,130,200,.10) 0 0.3mm, transparent 0.3mm 2.0mm),'
     'repeating-linear-gradient(120deg, rgba(220,160,120,.10) 0 0.3mm, transparent 0.3mm 2.0mm), #f7f4fb',
     'DejaVu Sans Condensed', 'DejaVu Sans'),
    ('#0b3954', '#fff', '#36506b', '#0a0a0a',
     'repeating-radial-gradient(ellipse at 20% 80%, rgba(100,150,200,.09) 0 0.4mm, transparent 0.4mm 2.2mm),'
     'linear-gradient(180deg, #f4f8fb, #eef3ea)',
     'Liberation Serif', 'Liberation Sans'),
    ('#8a5a00', '#fff', '#5c5040', '#121212',
     'repeating-linear-gradient(30deg, rgba(200,170,90,.11) 0 0.3mm, transparent 0.3mm 1.4mm),'
     'radial-gradient(circle at 30% 30%, #fffaf0, #f6efdc)',
     'Noto Serif', 'DejaVu Sans'),
]


def fmt_date(d, style):
    dd, mm, yyyy = d.split('.')
    m = int(mm) - 1
    if style == 'A': return f'{dd} {MON[m]} {yyyy}'
    if style == 'B': return d
    if style == 'C': return f'{dd} {MON[m]}/{MON_FR[m]} {yyyy[2:]}'
    if style == 'D': return f'{dd} {mm} {yyyy}'
    if style == 'E': return f'{dd} {MON_E[m]} {yyyy}'
    if style == 'F': return f'{dd} {MON[m]}/{MON_FR[m]} {yyyy}'
    if style == 'S': return f'{dd}/{mm}/{yyyy}'
    raise ValueError(style)


def make_mrz(d):
    code = d['code']
    st = (d['state'] + '<<<')[:3]
    nat = (d['nat'] + '<<<')[:3]
    pers = d['pers']
    if d['fmt'] == 'TD3':
        return td3(code, st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], pers)
    if d['fmt'] == 'TD2':
        return td2(code, st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], '')
    o1 = pers if d.get('popt') == 1 else ''
    o2 = pers if d.get('popt') == 2 else ''
    return td1(code, st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], o1, o2)


def esc(s):
    return html.escape(s)


def field(x, y, w, cap, val, capsz, valsz, th, bold=True, mono=False):
    vf = "'OCR B'" if mono else f"'{th[6]}'"
    if len(val) * 0.62 * valsz > w:   # would not fit at this size (bold sans ~0.62 em per char): shrink
        valsz = round(w / (0.62 * len(val)), 2)
    return (f'<div class="f" style="position:absolute;left:{x}mm;top:{y}mm;width:{w}mm;white-space:nowrap;overflow:hidden">'
            f'<div style="font:{capsz}mm \'{th[5]}\';color:{th[2]};line-height:1.15">{esc(cap)}</div>'
            f'<div style="font:{"bold " if bold else ""}{valsz}mm {vf};color:{th[3]};line-height:1.2;margin-top:0.2mm">{esc(val)}</div></div>')


def portrait(x, y, w, h):
    # grey silhouette: head circle + shoulders ellipse on a light grey box
    return (f'<div style="position:absolute;left:{x}mm;top:{y}mm;width:{w}mm;height:{h}mm;overflow:hidden;'
            f'background:linear-gradient(180deg,#d9dde0,#c4c9cd);border:0.2mm solid #9aa">'
            f'<div style="position:absolute;left:{w*0.28}mm;top:{h*0.14}mm;width:{w*0.44}mm;height:{h*0.40}mm;border-radius:50%;background:#868c91"></div>'
            f'<div style="position:absolute;left:{w*0.06}mm;top:{h*0.58}mm;width:{w*0.88}mm;height:{h*0.7}mm;border-radius:50% 50% 0 0;background:#868c91"></div></div>')


def mrz_block(lines, left, top, pitch_mm, lh, fs):
    # OCR-B advance is 0.723 em; letter-spacing tops it up to the pitch
    ls = pitch_mm - 0.723 * fs
    out = [f'<div style="position:absolute;left:{left}mm;top:{top}mm;font:{fs}mm \'OCR B\';letter-spacing:{ls:.3f}mm;'
           f'line-height:{lh}mm;color:#111;white-space:pre">']
    out.append('<br>'.join(esc(l) for l in lines))
    out.append('</div>')
    return ''.join(out)


def page(W, H, th, body):
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{{margin:0;padding:0;overflow:hidden}}'
            f'#p{{position:relative;width:{W}mm;height:{H}mm;background:{th[4]};overflow:hidden}}</style></head>'
            f'<body><div id="p">{body}</div><script>var bad=[];document.querySelectorAll(".f").forEach(function(e){{'
            f'var r=document.createRange();r.selectNodeContents(e.lastElementChild);var a=r.getBoundingClientRect().width,b=e.getBoundingClientRect().width;'
            f'if(a>b)bad.push(e.innerText.replace(/\\n/g," | ")+" "+a.toFixed(0)+">"+b.toFixed(0))}});'
            f'document.body.setAttribute("data-overflow",bad.join(" ;; "))</script></body></html>')


def header(d, th, W, h, tsz, ssz):
    return (f'<div style="position:absolute;left:0;top:0;width:{W}mm;height:{h}mm;background:{th[0]};color:{th[1]};text-align:center">'
            f'<div style="font:bold {ssz}mm \'{th[5]}\';padding-top:{h*0.12:.2f}mm;letter-spacing:0.15mm">{esc(d["state_name"])}</div>'
            f'<div style="font:{tsz}mm \'{th[5]}\';letter-spacing:0.3mm">{esc(d["title"])}</div></div>')


def deco(W, H, th, seed):
    r = random.Random(seed)
    cx, cy = r.uniform(0.45, 0.8) * W, r.uniform(0.3, 0.6) * H
    # faint emblem-like rings
    return (f'<div style="position:absolute;left:{cx-14}mm;top:{cy-14}mm;width:28mm;height:28mm;border-radius:50%;'
            f'border:0.6mm solid rgba(120,120,150,.10);box-shadow:0 0 0 2mm rgba(120,120,150,.05)"></div>')


def build_td3(d, th, mrz):
    W, H = SIZES['TD3']
    C = CAP_FR if d['lang'] == 'fr' else CAP_EN
    dt = lambda k: fmt_date(d[k], d['ds'])
    b = [deco(W, H, th, d['id']), header(d, th, W, 10, 2.4, 2.3), portrait(5, 16, 34, 44)]
    x0, y, rh, cs, vs = 44, 12.5, 7.2, 1.55, 2.75
    b.append(field(x0, y, 14, C['type'], d['code'].rstrip('<')[0], cs, vs, th))
    b.append(field(x0 + 16, y, 30, C['code'], d['state'] if len(d['state']) == 3 else 'D', cs, vs, th))
    b.append(field(x0 + 48, y, 34, C['docno'], d['docno'], cs, vs, th))
    y += rh; b.append(field(x0, y, 78, C['last'], d['last'], cs, vs, th))
    y += rh; b.append(field(x0, y, 78, C['first'], d['first'], cs, vs, th))
    y += rh; b.append(field(x0, y, 44, C['nat'], d['natname'], cs, vs, th))
    if d['pers']:
        b.append(field(x0 + 46, y, 36, C['pers'], d['pers'], cs, vs, th))
    y += rh
    b.append(field(x0, y, 30, C['dob'], dt('dob'), cs, vs, th))
    b.append(field(x0 + 31, y, 12, C['sex'], d['sex'] if d['lang'] != 'fr' else f"{d['sex']}/{d['sex']}", cs, vs, th))
    if d['pob']:
        b.append(field(x0 + 46, y, 36, C['pob'], d['pob'], cs, vs, th))
    y += rh
    b.append(field(x0, y, 30, C['doi'], dt('doi'), cs, vs, th))
    b.append(field(x0 + 33, y, 45, C['auth'], d['authority'], cs, vs * 0.9, th))
    y += rh
    b.append(field(x0, y, 30, C['doe'], dt('doe'), cs, vs, th))
    b.append(f'<div style="position:absolute;left:{x0+33}mm;top:{y}mm;font:{cs}mm \'{th[5]}\';color:{th[2]}">{esc(C["sig"])}</div>'
             f'<div style="position:absolute;left:{x0+36}mm;top:{y+2.4}mm;font:italic 4mm \'Liberation Serif\';color:#334">{esc(d["last"].title()[:9])}</div>')
    b.append(f'<div style="position:absolute;left:0;top:{H-22.5}mm;width:{W}mm;height:22.5mm;background:rgba(255,255,255,.55)"></div>')
    b.append(mrz_block(mrz, (W - 44 * 2.54) / 2, H - 18.2, 2.54, 5.4, 3.35))
    return page(W, H, th, ''.join(b))


def build_td2(d, th, mrz):
    W, H = SIZES['TD2']
    C = CAP_FR if d['lang'] == 'fr' else CAP_EN
    dt = lambda k: fmt_date(d[k], d['ds'])
    b = [deco(W, H, th, d['id']), header(d, th, W, 8.5, 2.0, 1.9), portrait(4, 12, 27, 35)]
    x0, y, rh, cs, vs = 34, 10.3, 6.3, 1.35, 2.45
    b.append(field(x0, y, 40, C['last'], d['last'], cs, vs, th))
    b.append(field(x0 + 42, y, 27, C['cardno'], d['docno'], cs, vs, th))
    y += rh; b.append(field(x0, y, 68, C['first'], d['first'], cs, vs, th))
    y += rh
    b.append(field(x0, y, 25, C['dob'], fmt_date(d['dob'], d['ds']), cs, vs, th))
    b.append(field(x0 + 27, y, 10, C['sex'], d['sex'], cs, vs, th))
    b.append(field(x0 + 39, y, 30, C['nat'], d['natname'], cs, vs, th))
    y += rh
    if d['pob']:
        b.append(field(x0, y, 68, C['pob'], d['pob'], cs, vs, th))
        y += rh
    b.append(field(x0, y, 25, C['doi'], dt('doi'), cs, vs, th))
    b.append(field(x0 + 27, y, 25, C['doe'], dt('doe'), cs, vs, th))
    y += rh
    b.append(field(x0, y, 68, C['auth'], d['authority'], cs, vs * 0.9, th))
    b.append(f'<div style="position:absolute;left:0;top:{H-18}mm;width:{W}mm;height:18mm;background:rgba(255,255,255,.55)"></div>')
    b.append(mrz_block(mrz, (W - 36 * 2.54) / 2, H - 14.6, 2.54, 5.2, 3.35))
    return page(W, H, th, ''.join(b))


def build_td1(d, th, mrz):
    W, H = SIZES['TD1']
    C = CAP_FR if d['lang'] == 'fr' else CAP_EN
    dt = lambda k: fmt_date(d[k], d['ds'])
    cs, vs, rh = 1.15, 2.15, 5.6
    f = [deco(W, H, th, d['id']), header(d, th, W, 7.5, 1.75, 1.6), portrait(3, 11, 23, 30)]
    x0, y = 29, 9.2
    f.append(field(x0, y, 54, C['last'], d['last'], cs, vs, th))
    y += rh; f.append(field(x0, y, 54, C['first'], d['first'], cs, vs, th))
    y += rh
    f.append(field(x0, y, 8, C['sex'], d['sex'], cs, vs, th))
    f.append(field(x0 + 10, y, 24, C['nat'], d['natname'], cs, vs, th))
    f.append(field(x0 + 35, y, 21, C['dob'], dt('dob'), cs, vs, th))
    y += rh
    f.append(field(x0, y, 24, C['cardno'], d['docno'], cs, vs, th))
    f.append(field(x0 + 27, y, 28, C['doe'], dt('doe'), cs, vs, th))
    y += rh
    if d['pob']:
        f.append(field(x0, y, 54, C['pob'], d['pob'], cs, vs, th))
    f.append(f'<div style="position:absolute;left:3mm;top:44mm;font:{cs}mm \'{th[5]}\';color:{th[2]}">{esc(C["sig"])}</div>'
             f'<div style="position:absolute;left:5mm;top:46mm;font:italic 3.6mm \'Liberation Serif\';color:#334">{esc(d["first"].title().split()[0][0] + ". " + d["last"].title()[:8])}</div>')
    front = page(W, H, th, ''.join(f))
    bk = [deco(W, H, th, d['id'] + 'b'),
          f'<div style="position:absolute;left:0;top:0;width:{W}mm;height:2.5mm;background:{th[0]}"></div>']
    x0, y = 4, 5
    bk.append(field(x0, y, 30, C['doi'], dt('doi'), cs, vs, th))
    bk.append(field(x0 + 32, y, 46, C['auth'], d['authority'], cs, vs * 0.95, th))
    y += rh
    if d['pers']:
        bk.append(field(x0, y, 40, C['pers'], d['pers'], cs, vs, th))
    bk.append(f'<div style="position:absolute;left:{W-24}mm;top:{y-0.5}mm;width:18mm;height:12mm;border-radius:1.5mm;'
              f'background:linear-gradient(135deg,#d8c27a,#b89a45);opacity:.8"></div>')
    bk.append(f'<div style="position:absolute;left:0;top:{H-18}mm;width:{W}mm;height:18mm;background:rgba(255,255,255,.6)"></div>')
    bk.append(mrz_block(mrz, (W - 30 * 2.54) / 2, H - 15.6, 2.54, 4.4, 3.3))
    back = page(W, H, th, ''.join(bk))
    return front, back


def shot(htmlfile, png, W, H, pxmm):
    css_w, css_h = round(W * 96 / 25.4), round(H * 96 / 25.4)
    dsf = pxmm * 25.4 / 96
    subprocess.run(['nice', '-n', '19', 'timeout', '90', 'chromium', '--headless', '--no-sandbox', '--hide-scrollbars',
                    '--disable-gpu', f'--force-device-scale-factor={dsf:.4f}', f'--window-size={css_w},{css_h}',
                    f'--screenshot={png}', htmlfile], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(cmd):
    subprocess.run(['nice', '-n', '19'] + cmd, check=True)


def capture(src, dst, kind, seed):
    r = random.Random(seed)
    sd = str(r.randint(1, 10 ** 6))   # ImageMagick's own randomness (plasma, noise) seeded too
    tmp = dst + '.tmp.png'
    if kind == 'scan':
        bg = r.choice(['white', '#3a3a3a', '#f4f4f4'])
        ang = r.uniform(-2, 2)
        m = r.randint(25, 60)
        run(['convert', '-seed', sd, src, '-bordercolor', bg, '-border', str(m), '-background', bg, '-rotate', f'{ang:.2f}',
             '-blur', f'0x{r.uniform(0.5, 0.9):.2f}', '-modulate', f'{r.randint(97, 104)},95', '-attenuate', '0.3', '+noise', 'Gaussian',
             '-quality', '85', dst])
        return dict(kind='scan', bg=bg, angle=round(ang, 2))
    # phone photo
    w, h = map(int, subprocess.check_output(['identify', '-format', '%w %h', src]).split())
    ang = r.uniform(-8, 8)
    CW, CH = int(w * 1.4), int(h * 1.5)
    base = r.choice(['#6d6a64', '#8a8378', '#55585c', '#9b9488'])
    # textured background: fractal plasma washed towards a base grey, plus grain
    run(['convert', '-seed', sd, '-size', f'{CW}x{CH}', f'plasma:{base}-{base}', '-blur', '0x2', '-colorspace', 'Gray',
         '(', '-size', f'{CW}x{CH}', f'xc:{base}', ')', '-compose', 'blend', '-define', 'compose:args=35', '-composite',
         '-attenuate', '0.6', '+noise', 'Gaussian', '-colorspace', 'sRGB', '-type', 'TrueColor', 'PNG24:' + tmp + '.bg.png'])
    # mild perspective on the page itself (one edge a little shorter), then rotation and a soft shadow
    k = r.uniform(0.015, 0.045)
    side = r.choice(['top', 'bottom', 'left', 'right'])
    P = {'top': [(0, 0, w * k, 0), (w, 0, w * (1 - k), 0), (w, h, w, h), (0, h, 0, h)],
         'bottom': [(0, 0, 0, 0), (w, 0, w, 0), (w, h, w * (1 - k), h), (0, h, w * k, h)],
         'left': [(0, 0, 0, h * k), (w, 0, w, 0), (w, h, w, h), (0, h, 0, h * (1 - k))],
         'right': [(0, 0, 0, 0), (w, 0, w, h * k), (w, h, w, h * (1 - k)), (0, h, 0, h)]}[side]
    arg = ' '.join(f'{a:.1f},{b:.1f} {c:.1f},{d:.1f}' for a, b, c, d in P)
    run(['convert', src, '-alpha', 'set', '-virtual-pixel', 'transparent', '-distort', 'Perspective', arg,
         '-background', 'none', '-rotate', f'{ang:.2f}',
         '(', '+clone', '-background', 'black', '-shadow', '55x12+8+10', ')', '+swap', '-background', 'none',
         '-layers', 'merge', '+repage', tmp + '.pg.png'])
    pw, ph = map(int, subprocess.check_output(['identify', '-format', '%w %h', tmp + '.pg.png']).split())
    ox, oy = max(0, (CW - pw) // 2 + r.randint(-30, 30)), max(0, (CH - ph) // 2 + r.randint(-30, 30))
    # brightness gradient in a random direction
    lo, hi = r.randint(68, 80), r.randint(100, 110)
    a = r.uniform(0, 6.283)
    import math
    x1, y1 = CW / 2 + math.cos(a) * CW / 2, CH / 2 + math.sin(a) * CH / 2
    x2, y2 = CW - x1, CH - y1
    run(['convert', tmp + '.bg.png', tmp + '.pg.png', '-geometry', f'+{ox}+{oy}', '-compose', 'over', '-composite',
         '(', '-size', f'{CW}x{CH}', 'xc:rgb(128,128,128)', '-type', 'TrueColor', '-sparse-color', 'Barycentric',
         f'{x1:.0f},{y1:.0f} gray({lo}%) {x2:.0f},{y2:.0f} gray({hi}%)', ')',
         '-compose', 'multiply', '-composite', '-blur', f'0x{r.uniform(0.6, 1.1):.2f}',
         '-modulate', f'{r.randint(96, 106)},{r.randint(85, 100)}', '-resize', f'{r.randint(70, 90)}%', '-type', 'TrueColor', '-quality', '75', dst])
    for t in (tmp + '.bg.png', tmp + '.pg.png'):
        os.remove(t)
    return dict(kind='phone', angle=round(ang, 2), persp=side)


def main():
    args = sys.argv[1:]
    only = None
    if '--only' in args:
        only = set(args[args.index('--only') + 1].split(','))
    os.makedirs(f'{OUT}/html', exist_ok=True); os.makedirs(f'{OUT}/pages', exist_ok=True); os.makedirs(f'{OUT}/img', exist_ok=True)
    truth_path = f'{OUT}/truth.json'
    truth = json.load(open(truth_path)) if os.path.exists(truth_path) else {}
    for i, d in enumerate(DOCS):
        if only and d['id'] not in only:
            continue
        r = random.Random(d['id'])
        pxmm = r.choice([12, 13, 14, 15])
        th = THEMES[d['theme']]
        mrz = make_mrz(d)
        W, H = SIZES[d['fmt']]
        sides = {}
        if d['fmt'] == 'TD3':
            sides['front'] = build_td3(d, th, mrz)
        elif d['fmt'] == 'TD2':
            sides['front'] = build_td2(d, th, mrz)
        else:
            sides['front'], sides['back'] = build_td1(d, th, mrz)
        files = {}
        for side, doc in sides.items():
            hf = f'{OUT}/html/{d["id"]}_{side}.html'
            open(hf, 'w').write(doc)
            pg = f'{OUT}/pages/{d["id"]}_{side}.png'
            if '--no-render' not in args:
                shot(hf, pg, W, H, pxmm)
            img = f'{OUT}/img/{d["id"]}_{side}.jpg'
            if '--no-capture' not in args:
                capinfo = capture(pg, img, d['cap'], d['id'] + side)
            files[side] = os.path.relpath(img, OUT)
        expired = d['doe'].split('.')[::-1] < ['2026', '12', '06']
        truth[d['id']] = dict(files=files, format=d['fmt'], state=d['state'] if len(d['state']) == 3 else 'DEU',
                              mrz_state=(d['state'] + '<<')[:3], country=d['cc'], mrz=mrz, expired=expired,
                              capture=d['cap'], px_per_mm=pxmm,
                              fields=dict(last_name=d['last'], first_name=d['first'], date_of_birth=d['dob'],
                                          date_of_issue=d['doi'], date_of_expiry=d['doe'], document_number=d['docno'],
                                          personal_number=d['pers'], authority=d['authority'], place_of_birth=d['pob'],
                                          sex=d['sex']),
                              printed_dates=dict(dob=fmt_date(d['dob'], d['ds']), doi=fmt_date(d['doi'], d['ds']),
                                                 doe=fmt_date(d['doe'], d['ds'])))
        print(d['id'], d['fmt'], mrz, 'EXPIRED' if expired else '', flush=True)
    json.dump(dict(sorted(truth.items(), key=lambda kv: [x['id'] for x in DOCS].index(kv[0]))), open(truth_path, 'w'), indent=1, ensure_ascii=False)


if __name__ == '__main__':
    main()
