#!/usr/bin/env python3
"""gen.py [OUTDIR] [--seed N]: draw 24 kz-id-2014 cards in HTML/CSS, render them with headless Chromium,
capture them with ImageMagick (12 scanner, 12 phone) and write OUTDIR/ground_truth.json.
Deterministic: everything random comes from random.Random(SEED), or from --seed N, which draws
the same people again as other cards (numbers, dates, fonts, layouts, artwork and captures) for a
set that nobody has looked at yet.  Standard library only."""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture  # noqa: E402
import card     # noqa: E402
import kzid     # noqa: E402

SEED = 20261206
CHROMIUM = '/usr/bin/chromium'
TODAY = datetime.date(2026, 12, 6)

# surname, given name, patronymic, sex, nationality  (half carry Kazakh letters in the name)
PEOPLE = [
    ('ЖАҚСЫБЕКОВ', 'ДӘУЛЕТ', 'ЕРЛАНҰЛЫ', 'M', 'ҚАЗАҚ'),
    ('ҚАСЫМОВА', 'АЙГЕРІМ', 'СЕРІКҚЫЗЫ', 'F', 'ҚАЗАҚ'),
    ('ТӨЛЕГЕНОВ', 'ҒАЛЫМЖАН', 'ҚАЙРАТОВИЧ', 'M', 'ҚАЗАҚ'),
    ('ӘБДІРАХМАНОВА', 'ӘСЕЛ', 'МАРАТОВНА', 'F', 'ҚАЗАҚ'),
    ('НҰРҒАЛИЕВ', 'ЕРБОЛ', 'ҚАНАТҰЛЫ', 'M', 'ҚАЗАҚ'),
    ('СЕЙІТМҰХАМЕДЖАНОВА', 'НҰРЖАМАЛ', 'ӨМІРЗАҚҚЫЗЫ', 'F', 'ҚАЗАҚ'),
    ('ЖҰМАБАЕВ', 'АЙДОС', 'БАУЫРЖАНҰЛЫ', 'M', 'ҚАЗАҚ'),
    ('ҮСЕНОВА', 'ШАҺИЗАДА', 'ЕСЕНҚЫЗЫ', 'F', 'ҚАЗАҚ'),
    ('ІЗТЕЛЕУОВ', 'ТОҚТАР', 'СӘКЕНҰЛЫ', 'M', 'ҚАЗАҚ'),
    ('ШӘКЕНОВА', 'ҰЛДАНА', 'ДӘУРЕНҚЫЗЫ', 'F', 'ҚАЗАҚ'),
    ('ОМАРОВ', 'ҚАНАТ', 'ЖОМАРТҰЛЫ', 'M', 'ҚАЗАҚ'),
    ('БЕКОВА', 'ГҮЛНАР', 'АСХАТОВНА', 'F', 'ҚАЗАҚ'),
    ('ЩЕРБАКОВ', 'ДМИТРИЙ', 'ЮРЬЕВИЧ', 'M', 'ОРЫС'),
    ('КУЗНЕЦОВА', 'НАТАЛЬЯ', 'ВЛАДИМИРОВНА', 'F', 'ОРЫС'),
    ('ЦОЙ', 'ВИКТОР', 'ЕНСУНОВИЧ', 'M', 'КӘРІС'),
    ('ШЕВЧЕНКО', 'ОКСАНА', 'ПЕТРОВНА', 'F', 'УКРАИН'),
    ('МЮЛЛЕР', 'АНДРЕЙ', 'ЭДУАРДОВИЧ', 'M', 'НЕМІС'),
    ('ХАЙРУЛЛИНА', 'ЭЛЬВИРА', 'РИНАТОВНА', 'F', 'ТАТАР'),
    ('ЮСУПОВ', 'ТИМУР', 'АЛИШЕРОВИЧ', 'M', 'ӨЗБЕК'),
    ('СМИРНОВА', 'ЕКАТЕРИНА', 'АЛЕКСАНДРОВНА', 'F', 'ОРЫС'),
    ('ФЁДОРОВ', 'СЕМЁН', 'ИГОРЕВИЧ', 'M', 'ОРЫС'),
    ('АХМЕТОВ', 'ЕРЛАН', 'САБИТОВИЧ', 'M', 'ҚАЗАҚ'),
    ('ЛЕБЕДЕВА', 'ЮЛИЯ', 'СЕРГЕЕВНА', 'F', 'ОРЫС'),
    ('ХАСАНОВ', 'ДИЛМУРАТ', 'ТУРСУНОВИЧ', 'M', 'ҰЙҒЫР'),
]

PLACES = ['ҚАРАҒАНДЫ', 'АЛМАТЫ', 'АСТАНА', 'ШЫМКЕНТ', 'ПАВЛОДАР', 'ӨСКЕМЕН', 'СЕМЕЙ', 'ҚЫЗЫЛОРДА',
          'ТАРАЗ', 'ОРАЛ', 'АҚТАУ', 'ПЕТРОПАВЛ', 'КӨКШЕТАУ', 'ТАЛДЫҚОРҒАН', 'ТҮРКІСТАН', 'ЖЕЗҚАЗҒАН',
          'ТЕМІРТАУ', 'ЕКІБАСТҰЗ', 'АҚТӨБЕ', 'АТЫРАУ', 'ҚОСТАНАЙ', 'АЛМАТЫ ОБЛЫСЫ', 'ЖАМБЫЛ ОБЛЫСЫ']

VALUE_FONTS = list(card.FONTS)  # 8 fonts, rotated 3 times


def rand_date(rng, lo, hi):
    return lo + datetime.timedelta(days=rng.randrange((hi - lo).days + 1))


def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def make_doc(rng, person, variant, tamper):
    sur, given, patr, sex, nat = person
    if variant == 'expired':
        issue = rand_date(rng, datetime.date(2014, 1, 10), datetime.date(2016, 11, 20))
    else:
        issue = rand_date(rng, datetime.date(2017, 1, 10), datetime.date(2024, 12, 20))
    lo = datetime.date(1950, 1, 1)
    hi = min(datetime.date(2006, 12, 31), add_years(issue, -16))
    birth = rand_date(rng, lo, hi)
    expiry = kzid.expiry_of(issue)
    iin = kzid.make_iin(birth, sex, rng)
    if variant == 'iin-mismatch':
        # an IIN that is valid in itself but encodes another birth date (same century and sex)
        while True:
            wrong = birth + datetime.timedelta(days=rng.choice([-1, 1]) * rng.randint(3, 400))
            if wrong.year // 100 == birth.year // 100 and wrong != birth:
                break
        iin = kzid.make_iin(wrong, sex, rng)
    doc_no = '0' + '%08d' % rng.randrange(10000000, 60000000)
    if issue.year < 2019:
        auth = rng.choice(['МЮ РК', 'МЮ РК', 'ҚР ӘМ'])
    else:
        auth = rng.choice(['МВД РК', 'МВД РК', 'ҚР ІІМ'])
    mrz = kzid.td1(doc_no, iin, birth, sex, expiry, sur, given, tamper)
    fields = {
        'authority': auth,
        'date_of_birth': kzid.fmt(birth),
        'date_of_expiry': kzid.fmt(expiry),
        'date_of_issue': kzid.fmt(issue),
        'document_number': doc_no,
        'first_name': given,
        'last_name': sur,
        'patronymic': patr,
        'personal_number': iin,
    }
    # self-checks of the recipe
    assert kzid.iin_valid(iin)
    assert (iin[:6] == birth.strftime('%y%m%d')) == (variant != 'iin-mismatch')
    assert (expiry < TODAY) == (variant == 'expired') and (variant != 'expired' or expiry < datetime.date(2026, 12, 1))
    bad = kzid.check_td1(mrz)
    assert (bad == []) == (tamper is None), bad
    assert all(len(l) == 30 for l in mrz)
    return fields, mrz, sex, nat


def make_style(rng, vfont):
    fs = round(rng.uniform(0.90, 1.10), 2)
    return {
        'val_font': vfont,
        'num_font': vfont if rng.random() < 0.6 else rng.choice(['dejavu', 'liberation', 'noto']),
        'lab_font': rng.choice(card.LABEL_FONTS),
        'head_font': rng.choice(['dejavu', 'dejavu-cond', 'liberation', 'noto', 'noto-serif', 'liberation-serif']),
        'fs': fs,
        'val_mm': 3.25 * fs,
        'lab_mm': rng.uniform(1.85, 2.3),
        'head_mm': rng.uniform(2.8, 3.3),
        'gap_mm': rng.uniform(0.15, 0.55),
        'row_gap_mm': rng.uniform(0.5, 1.3),
        'slash': rng.choice([' / ', ' / ', ' / ', '/']),
        'bg': rng.choice(sorted(card.BACKGROUNDS)),
        'head_col': rng.choice(card.HEADER_BLUES),
        'title_col': rng.choice(card.TITLE_COLS),
        'lab_col': rng.choice(card.LABEL_COLS),
        'val_col': rng.choice(card.VALUE_COLS),
        'front_layout': rng.choice('ABC'),
        'back_layout': rng.choice('AB'),
        'photo': rng.choice(['grey', 'colour']),
    }


def render(html_text, path_png, w, h, tmp):
    hp = os.path.join(tmp, 'card.html')
    with open(hp, 'w', encoding='utf-8') as f:
        f.write(html_text)
    subprocess.run(['nice', '-n', '19', CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
                    '--hide-scrollbars', '--force-device-scale-factor=1',
                    '--default-background-color=00000000', '--virtual-time-budget=3000',
                    '--window-size=%d,%d' % (w, h), '--screenshot=' + path_png, 'file://' + hp],
                   check=True, capture_output=True)


def main():
    args = sys.argv[1:]
    seed = SEED
    if '--seed' in args:
        k = args.index('--seed')
        seed = int(args[k + 1])
        del args[k:k + 2]
    out = args[0] if args else os.path.join(HERE, 'set')
    keep_png = os.environ.get('KEEP_PNG')  # set to keep the flat renders in OUT/render/
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    n = len(PEOPLE)
    people = PEOPLE[:]
    rng.shuffle(people)
    # variants: ids chosen so each counterfeit kind has one scanner and one phone card
    kinds = ['scanner', 'phone'] * (n // 2)
    rng.shuffle(kinds)
    variants = ['genuine'] * n
    tampers = [None] * n
    scan_ids = [i for i in range(n) if kinds[i] == 'scanner']
    phone_ids = [i for i in range(n) if kinds[i] == 'phone']
    rng.shuffle(scan_ids)
    rng.shuffle(phone_ids)
    plan = [('expired', None, None), ('iin-mismatch', None, None),
            ('tampered-mrz', 'document_number', 'date_of_birth')]
    for k, (v, t_scan, t_phone) in enumerate(plan):
        variants[scan_ids[k]], tampers[scan_ids[k]] = v, t_scan
        variants[phone_ids[k]], tampers[phone_ids[k]] = v, t_phone
    vfonts = []
    for _ in range(3):
        f = VALUE_FONTS[:]
        rng.shuffle(f)
        vfonts += f
    gt = {}
    tmp = tempfile.mkdtemp(prefix='kzhtml')
    if keep_png:
        os.makedirs(os.path.join(out, 'render'), exist_ok=True)
    try:
        for i in range(int(os.environ.get('ONLY', n))):
            cid = '%03d' % (i + 1)
            fields, mrz, sex, nat = make_doc(rng, people[i], variants[i], tampers[i])
            pob = rng.choice(PLACES)
            style = make_style(rng, vfonts[i])
            ppm = round(rng.uniform(12.0, 15.0), 2)
            W, H = int(round(card.CARD_W * ppm)), int(round(card.CARD_H * ppm))
            d = dict(fields, place_of_birth=pob, nationality=nat)
            glass = rng.choice(['dark-glass', 'dark-glass', 'light-glass'])
            caps = []
            for side in ('front', 'back'):
                c = card.Ctx(rng, ppm)
                c.style = style
                html_text = card.front(c, d) if side == 'front' else card.back(c, d, mrz)
                png = os.path.join(tmp, '%s_%s.png' % (cid, side))
                render(html_text, png, W, H, tmp)
                if keep_png:
                    shutil.copy(png, os.path.join(out, 'render', os.path.basename(png)))
                    with open(os.path.join(out, 'render', '%s_%s.html' % (cid, side)), 'w') as f:
                        f.write(html_text)
                dst = os.path.join(out, '%s_%s.jpg' % (cid, side))
                if kinds[i] == 'scanner':
                    cap = capture.scanner(png, dst, rng, tmp, glass)
                else:
                    cap = capture.phone(png, dst, rng, tmp)
                caps.append('%s[%s]' % (side, cap))
            capstr = '%s font=%s lfont=%s hfont=%s fs=%.2f photo=%s layout=%s/%s bg=%s ppm=%.2f' % (
                ' '.join(caps), style['val_font'], style['lab_font'], style['head_font'], style['fs'],
                style['photo'], style['front_layout'], style['back_layout'], style['bg'], ppm)
            g = {
                'back': '%s_back.jpg' % cid,
                'capture': capstr,
                'fields': fields,
                'front': '%s_front.jpg' % cid,
                'mrz': mrz,
                'nationality': nat,
                'place_of_birth': pob,
                'sex': sex,
                'type': 'kz-id-2014',
                'variant': variants[i],
            }
            if tampers[i]:
                g['tampered_check'] = tampers[i]
            gt[cid] = g
            print(cid, variants[i], kinds[i], fields['last_name'], capstr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(out, 'ground_truth.json'), 'w', encoding='utf-8') as f:
        json.dump(gt, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
