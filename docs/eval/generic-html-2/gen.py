#!/usr/bin/env python3
"""gh2: held-out ICAO document test set.  HTML/CSS/SVG -> headless Chromium -> ImageMagick captures.
Standard library only; every random choice is seeded from the document id, so a rerun gives the same images.
Usage: python3 gen.py [--only ID,...] [--no-render] [--no-capture] [--no-check] [--salt S]

--salt S draws the same documents with other looks and captures: every
random choice's seed gets S appended ("--salt -b" made the set the
session that started at 0178b00 measured as new looks)."""
import html, json, math, os, random, subprocess, sys
from mrz import td1, td2, td3, translit, DROP_UMLAUT
from docs import DOCS

OUT = os.path.dirname(os.path.abspath(__file__))
SIZES = {'TD3': (125.0, 88.0), 'TD2': (105.0, 74.0), 'TD1': (85.6, 54.0)}
EXPIRY_CUTOFF = (2026, 12, 1)       # a document whose expiry is before this day is "expired" in truth.json
FONTS = ['DejaVu Sans', 'DejaVu Sans Condensed', 'Liberation Sans', 'Liberation Serif', 'Noto Sans', 'Noto Serif']

# ------------------------------------------------------------------ captions
KEYS = ['type', 'code', 'docno_p', 'docno_c', 'last', 'first', 'nat', 'dob', 'sex', 'pob', 'doi', 'doe', 'auth', 'pers', 'sig']


def _c(*v):
    return dict(zip(KEYS, v))


EN = _c('Type', 'Code', 'Passport No.', 'Document No.', 'Surname', 'Given names', 'Nationality', 'Date of birth', 'Sex',
        'Place of birth', 'Date of issue', 'Date of expiry', 'Authority', 'Personal No.', "Holder's signature")
LOC = {
 'de': _c('Typ', 'Code', 'Pass-Nr.', 'Ausweis-Nr.', 'Name', 'Vornamen', 'Staatsangehörigkeit', 'Geburtsdatum', 'Geschlecht',
          'Geburtsort', 'Ausstellungsdatum', 'Gültig bis', 'Behörde', 'Personennummer', 'Unterschrift'),
 'fr': _c('Type', 'Code du pays', 'N° du passeport', 'N° de la carte', 'Nom', 'Prénoms', 'Nationalité', 'Date de naissance',
          'Sexe', 'Lieu de naissance', 'Date de délivrance', "Date d'expiration", 'Autorité', 'N° national', 'Signature'),
 'nl': _c('Type', 'Code', 'Paspoortnr.', 'Kaartnr.', 'Naam', 'Voornamen', 'Nationaliteit', 'Geboortedatum', 'Geslacht',
          'Geboorteplaats', 'Datum van afgifte', 'Geldig tot', 'Autoriteit', 'Rijksregisternr.', 'Handtekening'),
 'cs': _c('Typ', 'Kód státu', 'Číslo pasu', 'Číslo dokladu', 'Příjmení', 'Jméno', 'Státní občanství', 'Datum narození',
          'Pohlaví', 'Místo narození', 'Datum vydání', 'Platnost do', 'Úřad', 'Rodné číslo', 'Podpis držitele'),
 'sk': _c('Typ', 'Kód štátu', 'Číslo pasu', 'Číslo preukazu', 'Priezvisko', 'Meno', 'Štátne občianstvo', 'Dátum narodenia',
          'Pohlavie', 'Miesto narodenia', 'Dátum vydania', 'Platnosť do', 'Vydal', 'Rodné číslo', 'Podpis'),
 'da': _c('Type', 'Landekode', 'Pas nr.', 'Kort nr.', 'Efternavn', 'Fornavne', 'Nationalitet', 'Fødselsdato', 'Køn',
          'Fødested', 'Udstedelsesdato', 'Udløbsdato', 'Myndighed', 'Personnummer', 'Indehaverens underskrift'),
 'fi': _c('Tyyppi', 'Valtion tunnus', 'Passin numero', 'Asiakirjan numero', 'Sukunimi', 'Etunimet', 'Kansalaisuus',
          'Syntymäaika', 'Sukupuoli', 'Syntymäpaikka', 'Myöntämispäivä', 'Voimassa', 'Myöntäjä', 'Henkilötunnus',
          'Haltijan allekirjoitus'),
 'sv': _c('Typ', 'Landskod', 'Passnummer', 'Kortnummer', 'Efternamn', 'Förnamn', 'Nationalitet', 'Födelsedatum', 'Kön',
          'Födelseort', 'Utfärdandedatum', 'Giltig t.o.m.', 'Myndighet', 'Personnummer', 'Innehavarens namnteckning'),
 'hu': _c('Típus', 'Kód', 'Útlevélszám', 'Okmányszám', 'Vezetéknév', 'Utónév', 'Állampolgárság', 'Születési idő', 'Nem',
          'Születési hely', 'Kiállítás dátuma', 'Érvényesség', 'Kiállító hatóság', 'Személyi azonosító', 'Aláírás'),
 'is': _c('Tegund', 'Landskóði', 'Vegabréf nr.', 'Skírteini nr.', 'Eftirnafn', 'Eiginnöfn', 'Ríkisfang', 'Fæðingardagur',
          'Kyn', 'Fæðingarstaður', 'Útgáfudagur', 'Gildir til', 'Útgefandi', 'Kennitala', 'Undirskrift handhafa'),
 'pt': _c('Tipo', 'Código do país', 'Passaporte n.º', 'Documento n.º', 'Apelido(s)', 'Nome(s) próprio(s)', 'Nacionalidade',
          'Data de nascimento', 'Sexo', 'Local de nascimento', 'Data de emissão', 'Data de validade', 'Autoridade',
          'N.º de identificação', 'Assinatura do titular'),
 'lv': _c('Tips', 'Valsts kods', 'Pases Nr.', 'Dokumenta Nr.', 'Uzvārds', 'Vārdi', 'Pilsonība', 'Dzimšanas datums',
          'Dzimums', 'Dzimšanas vieta', 'Izdošanas datums', 'Derīguma termiņš', 'Izdevējiestāde', 'Personas kods', 'Paraksts'),
 'es': _c('Tipo', 'Código', 'Pasaporte N°', 'Documento N°', 'Apellidos', 'Nombres', 'Nacionalidad', 'Fecha de nacimiento',
          'Sexo', 'Lugar de nacimiento', 'Fecha de expedición', 'Fecha de vencimiento', 'Autoridad', 'RUN', 'Firma del titular'),
 'tl': _c('Uri', 'Kodigo', 'Pasaporte Blg.', 'Dokumento Blg.', 'Apelyido', 'Mga Pangalan', 'Nasyonalidad',
          'Petsa ng Kapanganakan', 'Kasarian', 'Lugar ng Kapanganakan', 'Petsa ng Pagkakaloob', 'Valid Hanggang',
          'Awtoridad', 'Personal Blg.', 'Lagda ng May-ari'),
 'ga': _c('Cineál', 'Cód', 'Uimhir an Phas', 'Uimhir an Doiciméid', 'Sloinne', 'Réamhainm', 'Náisiúntacht', 'Dáta breithe',
          'Gnéas', 'Áit bhreithe', 'Dáta eisiúna', 'Dáta éaga', 'Údarás', 'Uimhir phearsanta', 'Síniú an tsealbhóra'),
 'no': _c('Type', 'Landkode', 'Pass nr.', 'Kort nr.', 'Etternavn', 'Fornavn', 'Nasjonalitet', 'Fødselsdato', 'Kjønn',
          'Fødested', 'Utstedt', 'Gyldig til', 'Utstedt av', 'Fødselsnummer', 'Innehavers underskrift'),
 'mt': _c('Tip', 'Kodiċi', 'Nru. tal-passaport', 'Nru. tad-dokument', 'Kunjom', 'Isem', 'Nazzjonalità', 'Data tat-twelid',
          'Sess', 'Post tat-twelid', 'Data tal-ħruġ', "Data ta' skadenza", 'Awtorità', 'Nru. personali', 'Firma'),
 'af': _c('Tipe', 'Kode', 'Paspoortnr.', 'Dokumentnr.', 'Van', 'Voorname', 'Nasionaliteit', 'Geboortedatum', 'Geslag',
          'Geboorteplek', 'Uitreikingsdatum', 'Vervaldatum', 'Owerheid', 'ID-nommer', 'Handtekening'),
 'et': _c('Tüüp', 'Kood', 'Passi nr', 'Dokumendi nr', 'Perekonnanimi', 'Eesnimed', 'Kodakondsus', 'Sünniaeg', 'Sugu',
          'Sünnikoht', 'Väljaandmise kuupäev', 'Kehtiv kuni', 'Väljaandja', 'Isikukood', 'Allkiri'),
 'lt': _c('Tipas', 'Kodas', 'Paso Nr.', 'Kortelės Nr.', 'Pavardė', 'Vardas', 'Pilietybė', 'Gimimo data', 'Lytis',
          'Gimimo vieta', 'Išdavimo data', 'Galioja iki', 'Išdavė', 'Asmens kodas', 'Parašas'),
 'sl': _c('Vrsta', 'Koda', 'Št. potnega lista', 'Št. izkaznice', 'Priimek', 'Ime', 'Državljanstvo', 'Datum rojstva', 'Spol',
          'Kraj rojstva', 'Datum izdaje', 'Datum veljavnosti', 'Upravna enota', 'EMŠO', 'Podpis'),
 'hr': _c('Vrsta', 'Kod', 'Broj putovnice', 'Broj iskaznice', 'Prezime', 'Ime', 'Državljanstvo', 'Datum rođenja', 'Spol',
          'Mjesto rođenja', 'Datum izdavanja', 'Vrijedi do', 'Izdala', 'OIB', 'Potpis'),
 'ro': _c('Tip', 'Cod', 'Nr. pașaportului', 'Nr. documentului', 'Numele', 'Prenumele', 'Cetățenia', 'Data nașterii', 'Sexul',
          'Locul nașterii', 'Data eliberării', 'Data expirării', 'Autoritatea emitentă', 'IDNP', 'Semnătura'),
 'sq': _c('Lloji', 'Kodi', 'Nr. i pasaportës', 'Nr. i dokumentit', 'Mbiemri', 'Emri', 'Shtetësia', 'Datëlindja', 'Gjinia',
          'Vendlindja', 'Data e lëshimit', 'Data e skadimit', 'Autoriteti', 'Nr. personal', 'Nënshkrimi'),
 'bs': _c('Tip', 'Kod', 'Broj pasoša', 'Broj lične karte', 'Prezime', 'Ime', 'Državljanstvo', 'Datum rođenja', 'Spol',
          'Mjesto rođenja', 'Datum izdavanja', 'Datum isteka', 'Izdao', 'JMB', 'Potpis'),
}
# numbered captions: ICAO passport order on TD3, EU card order on TD1/TD2
NUM_TD3 = dict(type=1, code=2, docno=3, last=4, first=5, nat=6, dob=7, pers=8, sex=9, pob=10, doi=11, auth=12, doe=13, sig=14)
NUM_CARD = dict(last=1, first=2, sex=3, nat=4, dob=5, pers=6, docno=7, doe=8, doi=9, pob=10, auth=11, sig=12, type=13, code=14)

MONTHS = {
 'en': 'JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC',
 'de-at': 'JÄN FEB MÄR APR MAI JUN JUL AUG SEP OKT NOV DEZ',
 'da': 'JAN FEB MAR APR MAJ JUN JUL AUG SEP OKT NOV DEC',
 'is': 'JAN FEB MAR APR MAÍ JÚN JÚL ÁGÚ SEP OKT NÓV DES',
 'pt': 'JAN FEV MAR ABR MAI JUN JUL AGO SET OUT NOV DEZ',
 'es': 'ENE FEB MAR ABR MAY JUN JUL AGO SEP OCT NOV DIC',
 'ga': 'EAN FEA MÁR AIB BEA MEI IÚIL LÚN MFÓ DFÓ SAM NOL',
}
MON_E = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()


def fmt_date(d, style, mon=None):
    dd, mm, yyyy = d.split('.')
    m = int(mm) - 1
    en = MONTHS['en'].split()[m]
    loc = MONTHS[mon].split()[m] if mon else en
    return {'L': f'{dd} {loc}/{en} {yyyy}', 'L2': f'{dd} {loc}/{en} {yyyy[2:]}', 'M': f'{dd} {loc} {yyyy}',
            'A': f'{dd} {en} {yyyy}', 'A2': f'{dd} {en} {yyyy[2:]}', 'E': f'{dd} {MON_E[m]} {yyyy}',
            'B': d, 'CZ': f'{dd}. {mm}. {yyyy}', 'D': f'{dd} {mm} {yyyy}', 'I': f'{yyyy}-{mm}-{dd}'}[style]


# ------------------------------------------------------------------ looks
THEMES = [  # band, band text, caption colour, value colour, paper CSS, guilloche colours, docno colour
 dict(band='#0f5c63', fg='#f4fbfa', cap='#3d5d60', val='#101418', paper='linear-gradient(135deg,#eef6f3,#f7f1e6)',
      g=('#3c8d93', '#c4875a'), no='#9b1c1c'),
 dict(band='#6b1d2f', fg='#fff6ea', cap='#5d4148', val='#16100f', paper='radial-gradient(circle at 30% 40%,#fbf4ea,#efe2d3)',
      g=('#9c4a5c', '#b89b4c'), no='#16100f'),
 dict(band='#1b2f5e', fg='#eef2ff', cap='#3b4a6b', val='#0c0f18', paper='linear-gradient(180deg,#eef1f8,#f6f7f2)',
      g=('#5a74b8', '#8fa3a0'), no='#a01c2c'),
 dict(band='#3f5d2a', fg='#fbfff4', cap='#4a5840', val='#121510', paper='linear-gradient(100deg,#f1f5e8,#f8f3ea 55%,#eef3f6)',
      g=('#6f9a4a', '#a7815c'), no='#121510'),
 dict(band='#4a2d73', fg='#fbf7ff', cap='#544a66', val='#141218', paper='radial-gradient(ellipse at 70% 30%,#f6f1fb,#ece6f1)',
      g=('#8c6cc0', '#d08aa3'), no='#8a1538'),
 dict(band='#8c4a12', fg='#fffaf2', cap='#65503c', val='#17120d', paper='linear-gradient(160deg,#fdf6ea,#f3ead9)',
      g=('#d2924c', '#6c8fb0'), no='#17120d'),
 dict(band='#22495c', fg='#f2fbff', cap='#3b5661', val='#0d1316', paper='linear-gradient(45deg,#e9f1f4,#f5f0f6)',
      g=('#4f8aa6', '#a26da8'), no='#b3261e'),
 dict(band='#a3242b', fg='#fff7f5', cap='#6a4446', val='#181011', paper='linear-gradient(0deg,#fbf2f0,#f7f7f4)',
      g=('#c8646a', '#5f7fa8'), no='#181011'),
]


def esc(s):
    return html.escape(s)


def guilloche(W, H, col, r, kind):
    """SVG paths in mm: families of interfering sine waves, or an epitrochoid rosette."""
    paths = []
    if kind == 'waves':
        for band in range(r.randint(2, 4)):
            y0 = r.uniform(0.1, 0.9) * H
            a1, a2 = r.uniform(1.5, 5), r.uniform(0.8, 2.5)
            l1, l2 = r.uniform(18, 45), r.uniform(6, 14)
            n, dp = r.randint(10, 18), r.uniform(0.18, 0.35)
            for k in range(n):
                pts = []
                for i in range(int(W / 0.7) + 2):
                    x = i * 0.7
                    y = y0 + a1 * math.sin(2 * math.pi * x / l1 + k * dp) + a2 * math.sin(2 * math.pi * x / l2 - k * dp * 1.7)
                    pts.append(f'{x:.1f},{y:.2f}')
                paths.append('M' + ' L'.join(pts))
    else:
        cx, cy = r.uniform(0.3, 0.75) * W, r.uniform(0.3, 0.6) * H
        R = r.uniform(0.22, 0.34) * H
        q = r.choice([5, 6, 7, 9, 11])
        rr = R / q
        for c in range(r.randint(3, 5)):
            d = rr * r.uniform(1.2, 2.6)
            rot = c * r.uniform(0.05, 0.2)
            pts = []
            for i in range(721):
                t = 2 * math.pi * i / 720
                x = (R + rr) * math.cos(t) - d * math.cos((R + rr) / rr * t)
                y = (R + rr) * math.sin(t) - d * math.sin((R + rr) / rr * t)
                x, y = x * math.cos(rot) - y * math.sin(rot), x * math.sin(rot) + y * math.cos(rot)
                pts.append(f'{cx + x:.2f},{cy + y:.2f}')
            paths.append('M' + ' L'.join(pts) + 'Z')
    sw = r.uniform(0.07, 0.12)
    op = r.uniform(0.22, 0.38)
    return ''.join(f'<path d="{p}" fill="none" stroke="{col}" stroke-width="{sw:.3f}" opacity="{op:.2f}"/>' for p in paths)


def background(W, H, th, r):
    kinds = ['waves', 'rosette'] if r.random() < 0.5 else ['rosette', 'waves']
    g = guilloche(W, H, th['g'][0], r, kinds[0]) + guilloche(W, H, th['g'][1], r, kinds[1])
    # faint emblem: ring, star and the issuing state's code
    ex, ey, es = r.uniform(0.4, 0.75) * W, r.uniform(0.3, 0.6) * H, r.uniform(0.22, 0.34) * H
    n = r.choice([5, 6, 8, 12])
    star = ' '.join(f'{ex + (es * (0.42 if i % 2 else 0.18)) * math.cos(math.pi * i / n - math.pi / 2):.2f},'
                    f'{ey + (es * (0.42 if i % 2 else 0.18)) * math.sin(math.pi * i / n - math.pi / 2):.2f}'
                    for i in range(2 * n))
    emb = (f'<g opacity="{r.uniform(0.06, 0.1):.3f}" fill="none" stroke="{th["band"]}" stroke-width="0.5">'
           f'<circle cx="{ex:.2f}" cy="{ey:.2f}" r="{es / 2:.2f}"/><circle cx="{ex:.2f}" cy="{ey:.2f}" r="{es / 2 - 1.2:.2f}"/>'
           f'<polygon points="{star}" fill="{th["band"]}" stroke="none"/></g>')
    return (f'<svg style="position:absolute;left:0;top:0" width="{W}mm" height="{H}mm" viewBox="0 0 {W} {H}">{g}{emb}</svg>')


def portrait(x, y, w, h, r, zid='photo', opacity=1.0):
    tone = r.choice([('#dfe6ec', '#c5ced6'), ('#ece7df', '#d6cdbf'), ('#e3e8e1', '#cbd3c7'), ('#e9e9ea', '#cfcfd2')])
    skin = r.choice(['#8d8f93', '#7c8086', '#9a9896', '#85807a'])
    hair = r.choice(['#3d3a38', '#5a4a3c', '#2b2b2e', '#6b6560'])
    long_hair = r.random() < 0.5
    hp = ('M28,52 C26,20 74,20 72,52 C73,80 78,96 80,104 L20,104 C22,96 27,80 28,52 Z' if long_hair else
          'M30,50 C28,24 72,24 70,50 C66,38 60,34 50,34 C40,34 34,38 30,50 Z')
    return (f'<svg class="z" data-k="{zid}" style="position:absolute;left:{x:.2f}mm;top:{y:.2f}mm;opacity:{opacity}" '
            f'width="{w:.2f}mm" height="{h:.2f}mm" viewBox="0 0 100 130" preserveAspectRatio="none">'
            f'<defs><linearGradient id="pg{zid}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{tone[0]}"/>'
            f'<stop offset="1" stop-color="{tone[1]}"/></linearGradient></defs>'
            f'<rect width="100" height="130" fill="url(#pg{zid})" stroke="#9aa3a8" stroke-width="0.8"/>'
            f'{"<path d=%s fill=%s/>" % (chr(34) + hp + chr(34), chr(34) + hair + chr(34)) if long_hair else ""}'
            f'<path d="M4,130 C7,100 30,90 50,90 C70,90 93,100 96,130 Z" fill="{skin}"/>'
            f'<rect x="42" y="70" width="16" height="24" fill="{skin}"/>'
            f'<ellipse cx="50" cy="55" rx="19" ry="24" fill="{skin}"/>'
            f'{"" if long_hair else "<path d=%s fill=%s/>" % (chr(34) + hp + chr(34), chr(34) + hair + chr(34))}</svg>')


def squiggle(r, w, h):
    x, y = 1.0, h * r.uniform(0.45, 0.7)
    d = [f'M{x:.2f},{y:.2f}']
    while x < w - 3:
        x2 = min(w - 1, x + r.uniform(2, 5))
        d.append(f'C{x + r.uniform(0, 2):.2f},{r.uniform(0, h):.2f} {x2 - r.uniform(0, 2):.2f},{r.uniform(0, h):.2f} '
                 f'{x2:.2f},{r.uniform(h * 0.3, h * 0.8):.2f}')
        x = x2
    return (f'<svg width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}"><path d="{" ".join(d)}" fill="none" '
            f'stroke="#25304a" stroke-width="0.28" stroke-linecap="round"/></svg>')


# ------------------------------------------------------------------ page pieces
def value(d, key):
    """the text printed for a field"""
    if key in ('dob', 'doi', 'doe'):
        return fmt_date(d[key], d['ds'], d.get('mon'))
    return {'type': d['code'][0], 'code': d['state'], 'docno': d['docno'], 'last': d['last'], 'first': d['first'],
            'nat': d['natname'], 'sex': d.get('sexp') or d['sex'], 'pob': d['pob'], 'auth': d['authority'],
            'pers': d['pers']}[key]


class Page:
    def __init__(self, d, th, W, H, r, side):
        self.d, self.th, self.W, self.H, self.r, self.side = d, th, W, H, r, side
        self.b = []
        lay = d['lay']
        self.num = NUM_TD3 if d['fmt'] == 'TD3' else NUM_CARD
        self.numbered = lay.get('num', False)
        i = [x['id'] for x in DOCS].index(d['id'])
        self.vfont = FONTS[i % 6]
        self.cfont = FONTS[(i // 6 + i + 2) % 6]
        rd = random.Random(d['id'] + 'look' + SALT)
        self.bold = rd.random() < 0.6
        self.vscale = rd.uniform(0.9, 1.1)

    def caption(self, key):
        d = self.d
        k = key
        if key == 'docno':
            k = 'docno_p' if d['fmt'] == 'TD3' else 'docno_c'
        parts = [LOC[l][k] for l in d['langs']]
        if key == 'sig':
            parts = parts[:1]
        parts = parts + [EN[k]] if not d['lay'].get('en1') else [EN[k]] + parts
        if k == 'pers' and d['state'] == 'CHL':
            parts = ['RUN']
        s = ' / '.join(parts)
        if self.numbered:
            s = f'{self.num[key]}. {s}'
        return s

    def value(self, key):
        return value(self.d, key)

    def add(self, s):
        self.b.append(s)

    def field(self, key, x, y, w, cs, vs, beside=None, align='l'):
        th = self.th
        vs = vs * self.vscale
        col = th['no'] if key == 'docno' else th['val']
        wt = 'bold ' if self.bold else ''
        cap, val = esc(self.caption(key)), esc(self.value(key))
        ta = 'text-align:right;' if align == 'r' else ''
        cst = f"font-family:'{self.cfont}';font-size:{cs:.3f}mm;color:{th['cap']};line-height:1.15"
        vst = f"font:{wt}{vs:.3f}mm '{self.vfont}';font-size:{vs:.3f}mm;color:{col};line-height:1.2"
        if beside is None:
            self.add(f'<div class="f" data-k="{key}" style="position:absolute;left:{x:.2f}mm;top:{y:.2f}mm;width:{w:.2f}mm;{ta}">'
                     f'<div class="c fit" style="{cst}">{cap}</div>'
                     f'<div class="v fit" style="{vst};margin-top:0.15mm">{val}</div></div>')
        else:
            lw = min(beside, w * 0.5)
            self.add(f'<div class="f" data-k="{key}" style="position:absolute;left:{x:.2f}mm;top:{y:.2f}mm;width:{w:.2f}mm;'
                     f'display:flex;align-items:baseline">'
                     f'<div class="c fit" style="{cst};width:{lw:.2f}mm;flex:none">{cap}</div>'
                     f'<div class="v fit" style="{vst};width:{w - lw - 0.8:.2f}mm;flex:none;margin-left:0.8mm">{val}</div></div>')

    def sig(self, x, y, w, cs):
        th = self.th
        cap = esc(self.caption('sig'))
        self.add(f'<div class="z" data-k="sig" style="position:absolute;left:{x:.2f}mm;top:{y:.2f}mm;width:{w:.2f}mm">'
                 f'<div class="fit" style="font-family:\'{self.cfont}\';font-size:{cs:.3f}mm;color:{th["cap"]};white-space:nowrap;'
                 f'overflow:hidden">{cap}</div>{squiggle(self.r, round(w * 0.8, 1), round(w * 0.2, 1))}</div>')

    def rows(self, rows, x0, y0, cw, rh, cs, vs, beside=None, present=None):
        """rows: [[(key, fraction[, align]), ...], ...]; fields not printed on this side are dropped."""
        r = self.r
        W, H = self.W, self.H
        bx, by = r.uniform(-0.012, 0.012) * W, r.uniform(-0.008, 0.008) * H
        y = y0 + by
        for row in rows:
            items = [it for it in row if it[0] in present]
            if not items:
                continue
            x = x0 + bx
            for it in items:
                key, fr = it[0], it[1]
                w = fr * cw - 1.2
                jx, jy = r.uniform(-0.008, 0.008) * W, r.uniform(-0.005, 0.005) * H
                self.field(key, x + jx, y + jy, w, cs, vs, beside, it[2] if len(it) > 2 else 'l')
                x += fr * cw
            y += rh
        return y

    def header(self, h, big, small):
        d, th, W = self.d, self.th, self.W
        kind = d['lay'].get('head', 'band')
        f = self.cfont
        if kind == 'band':
            self.add(f'<div class="z" data-k="hdr" style="position:absolute;left:0;top:0;width:{W}mm;height:{h}mm;'
                     f'background:linear-gradient(90deg,{th["band"]},{th["band"]}dd 60%,{th["band"]});color:{th["fg"]};text-align:center">'
                     f'<div class="fit" style="font:bold {big}mm \'{f}\';font-size:{big}mm;padding-top:{h * 0.13:.2f}mm;letter-spacing:0.12mm;'
                     f'white-space:nowrap;overflow:hidden;margin:0 2mm">{esc(d["state_name"])}</div>'
                     f'<div class="fit" style="font-family:\'{f}\';font-size:{small}mm;letter-spacing:0.25mm;white-space:nowrap;overflow:hidden;'
                     f'margin:0 2mm">{esc(d["title"])}</div></div>')
        elif kind == 'plain':
            self.add(f'<div class="z" data-k="hdr" style="position:absolute;left:3mm;top:1.2mm;width:{W - 6}mm;height:{h - 1.6:.2f}mm;'
                     f'border-bottom:0.35mm solid {th["band"]};color:{th["band"]}">'
                     f'<div class="fit" style="font:bold {big}mm \'{f}\';font-size:{big}mm;white-space:nowrap;overflow:hidden">{esc(d["state_name"])}</div>'
                     f'<div class="fit" style="font-family:\'{f}\';font-size:{small}mm;white-space:nowrap;overflow:hidden;letter-spacing:0.2mm">'
                     f'{esc(d["title"])}</div></div>')
        else:  # split: thin stripe, state left, title right
            self.add(f'<div style="position:absolute;left:0;top:0;width:{W}mm;height:1.6mm;background:{th["band"]}"></div>'
                     f'<div class="z" data-k="hdr" style="position:absolute;left:3mm;top:2.2mm;width:{W - 6}mm;height:{h - 2.6:.2f}mm;'
                     f'display:flex;justify-content:space-between;align-items:center;color:{th["band"]}">'
                     f'<div class="fit" style="font:bold {big * 0.9:.2f}mm \'{f}\';font-size:{big * 0.9:.2f}mm;white-space:nowrap;overflow:hidden;'
                     f'max-width:58%">{esc(d["state_name"])}</div>'
                     f'<div class="fit" style="font-family:\'{f}\';font-size:{small:.2f}mm;white-space:nowrap;overflow:hidden;max-width:40%;'
                     f'text-align:right">{esc(d["title"])}</div></div>')

    def mrz(self, lines, band_h, top, lh, fs):
        W, H, r = self.W, self.H, self.r
        pitch = 2.54
        left = (W - len(lines[0]) * pitch) / 2 + r.uniform(-0.8, 0.8)
        ls = pitch - 0.723 * fs
        self.add(f'<div style="position:absolute;left:0;top:{H - band_h:.2f}mm;width:{W}mm;height:{band_h}mm;'
                 f'background:rgba(255,255,255,{r.uniform(0.35, 0.6):.2f})"></div>')
        micro = (' ' + self.d['state_name'].split(' · ')[0] + ' ') * 12
        self.add(f'<div class="z" data-k="micro" style="position:absolute;left:1mm;top:{H - band_h - 1.1:.2f}mm;width:{W - 2}mm;'
                 f'font:0.7mm \'DejaVu Sans\';font-size:0.7mm;line-height:0.9mm;color:{self.th["g"][0]};white-space:nowrap;overflow:hidden">'
                 f'{esc(micro)}</div>')
        self.add(f'<div class="z" data-k="mrz" style="position:absolute;left:{left:.2f}mm;top:{top + r.uniform(-0.5, 0.5):.2f}mm;'
                 f'font:{fs}mm \'OCR B\';font-size:{fs}mm;letter-spacing:{ls:.3f}mm;line-height:{lh}mm;color:#111;white-space:pre">'
                 + '<br>'.join(esc(l) for l in lines) + '</div>')

    def html(self):
        W, H = self.W, self.H
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{{margin:0;padding:0;overflow:hidden}}'
                f'#p{{position:relative;width:{W}mm;height:{H}mm;background:{self.th["paper"]};overflow:hidden}}'
                f'.c,.v{{white-space:nowrap;overflow:hidden}}</style></head>'
                f'<body><div id="p">{background(W, H, self.th, self.r)}{"".join(self.b)}</div><script>{CHECK_JS}</script></body></html>')


# shrink every .fit element until its text fits its box, then report overlaps between printed items
CHECK_JS = r'''
var bad=[];
function fit(e){var s0=parseFloat(e.style.fontSize),s=s0,n=0;while(e.scrollWidth>e.clientWidth+0.5&&n<40){s*=0.96;e.style.fontSize=s.toFixed(3)+'mm';n++}
 if(s<0.7*s0)bad.push('shrunk to '+Math.round(100*s/s0)+'%: '+e.textContent.slice(0,40))}
// a caption too long for one line (three-language captions) may wrap onto a second line instead of shrinking a lot
function fitc(e){var s0=parseFloat(e.style.fontSize),s=s0,n=0;while(e.scrollWidth>e.clientWidth+0.5&&s>0.8*s0){s*=0.97;e.style.fontSize=s.toFixed(3)+'mm';n++}
 if(e.scrollWidth<=e.clientWidth+0.5)return;
 s=0.88*s0;e.style.whiteSpace='normal';e.style.fontSize=s.toFixed(3)+'mm';
 while(e.getBoundingClientRect().height>2.5*s*1.15*96/25.4&&n<60){s*=0.97;e.style.fontSize=s.toFixed(3)+'mm';n++}
 if(s<0.7*s0)bad.push('caption shrunk to '+Math.round(100*s/s0)+'%: '+e.textContent.slice(0,40))}
document.querySelectorAll('.f .c').forEach(function(e){e.classList.remove('fit');fitc(e)});
document.querySelectorAll('.fit').forEach(fit);
var P=document.getElementById('p').getBoundingClientRect(),items=[];
function tb(e){var g=document.createRange();g.selectNodeContents(e);var b=g.getBoundingClientRect();return b}
document.querySelectorAll('.f').forEach(function(f){var L=1e9,T=1e9,R=-1e9,B=-1e9;f.querySelectorAll('.c,.v').forEach(function(e){var b=tb(e);
 L=Math.min(L,b.left);T=Math.min(T,b.top);R=Math.max(R,b.right);B=Math.max(B,b.bottom)});items.push([f.dataset.k,L,T,R,B,1]);
 f.querySelectorAll('.c,.v').forEach(function(e){if(e.scrollWidth>e.clientWidth+0.5)bad.push('overflow '+f.dataset.k)})});
document.querySelectorAll('.z').forEach(function(z){var b=z.getBoundingClientRect();var t=z.dataset.k=='mrz'||z.dataset.k=='micro'?tb(z):b;
 items.push([z.dataset.k,t.left,t.top,t.right,t.bottom,0])});
var m=3;
items.forEach(function(a){if(a[5]&&(a[1]<P.left+m||a[2]<P.top+m||a[3]>P.right-m||a[4]>P.bottom-m))bad.push('edge '+a[0]);});
for(var i=0;i<items.length;i++)for(var j=i+1;j<items.length;j++){var a=items[i],b=items[j];if(!a[5]&&!b[5])continue;
 if(a[1]<b[3]-0.5&&b[1]<a[3]-0.5&&a[2]<b[4]-0.5&&b[2]<a[4]-0.5)bad.push('overlap '+a[0]+'/'+b[0]);}
document.body.setAttribute('data-bad',bad.join(';'));
'''


# ------------------------------------------------------------------ layouts
def present_on(d, side):
    keys = ['type', 'code'] if d['fmt'] == 'TD3' else []
    keys += ['docno', 'last', 'first', 'nat', 'dob', 'sex', 'pob', 'doi', 'doe', 'auth', 'pers']
    keys = [k for k in keys if value(d, k)]
    if d['fmt'] != 'TD1':
        return set(keys)
    back = set(d.get('back', ['doi', 'auth']))
    return {k for k in keys if (k in back) == (side == 'back')}


def build_td3(d, th, mrz, r):
    W, H = SIZES['TD3']
    p = Page(d, th, W, H, r, 'front')
    lay = d['lay']
    hh = 10.0
    p.header(hh, 2.3, 2.1)
    pres = present_on(d, 'front')
    pw, ph = 33 + r.uniform(-1, 1), 42 + r.uniform(-1, 1)
    mrz_top = H - 23
    if lay['photo'] == 'left':
        px = 5 + r.uniform(-0.6, 0.6)
        x0, cw = px + pw + 4, W - (px + pw + 4) - 5
    else:
        px = W - 5 - pw + r.uniform(-0.6, 0.6)
        x0, cw = 6, px - 4 - 6
    py = hh + 3 + r.uniform(-0.6, 0.6)
    p.add(portrait(px, py, pw, ph, r))
    p.sig(px + 1, py + ph + 1.2, pw - 2, 1.25)
    if lay['cap'] == 'beside':
        rows = [[('type', .5), ('code', .5)], [('docno', 1)], [('last', 1)], [('first', 1)], [('nat', 1)],
                [('dob', .62), ('sex', .38)], [('pob', 1)], [('pers', 1)], [('doi', 1)], [('doe', 1)], [('auth', 1)]]
        p.rows(rows, x0, hh + 1.8, cw, 4.55, 1.45, 2.55, beside=29, present=pres)
    elif lay['photo'] == 'left':
        rows = [[('type', .16), ('code', .26), ('docno', .58, 'r')], [('last', 1)], [('first', 1)], [('nat', .5), ('pers', .5)],
                [('dob', .36), ('sex', .17), ('pob', .47)], [('doi', .36), ('auth', .64)], [('doe', .36)]]
        p.rows(rows, x0, hh + 1.5, cw, 7.2, 1.5, 2.75, present=pres)
    else:
        rows = [[('docno', .42), ('type', .18), ('code', .4)], [('last', 1)], [('first', 1)], [('dob', .38), ('sex', .18), ('nat', .44)],
                [('pob', .56), ('pers', .44)], [('doi', .38), ('doe', .38)], [('auth', 1)]]
        p.rows(rows, x0, hh + 1.5, cw, 7.2, 1.5, 2.75, present=pres)
    p.mrz(mrz, 22.5, mrz_top + 4.6, 5.3, 3.35)
    return p.html()


def build_td2(d, th, mrz, r):
    W, H = SIZES['TD2']
    p = Page(d, th, W, H, r, 'front')
    lay = d['lay']
    hh = 8.5
    p.header(hh, 1.95, 1.75)
    pres = present_on(d, 'front')
    pw, ph = 25 + r.uniform(-0.8, 0.8), 32 + r.uniform(-0.8, 0.8)
    if lay['photo'] == 'left':
        px = 4 + r.uniform(-0.5, 0.5)
        x0, cw = px + pw + 3.5, W - (px + pw + 3.5) - 4
    else:
        px = W - 4 - pw + r.uniform(-0.5, 0.5)
        x0, cw = 5, px - 3.5 - 5
    py = hh + 2.5
    p.add(portrait(px, py, pw, ph, r))
    p.sig(px + 1, py + ph + 1, pw - 2, 1.1)
    if lay['cap'] == 'beside':
        rows = [[('docno', 1)], [('last', 1)], [('first', 1)], [('nat', 1)], [('dob', .6), ('sex', .4)], [('pob', 1)],
                [('doi', 1)], [('doe', 1)], [('auth', 1)], [('pers', 1)]]
        p.rows(rows, x0, hh + 1.6, cw, 4.6, 1.3, 2.35, beside=26, present=pres)
    elif lay['photo'] == 'left':
        rows = [[('last', .64), ('docno', .36, 'r')], [('first', 1)], [('dob', .36), ('sex', .16), ('nat', .48)], [('pob', 1)],
                [('doi', .36), ('doe', .36)], [('auth', .6), ('pers', .4)]]
        p.rows(rows, x0, hh + 1.4, cw, 6.9, 1.3, 2.45, present=pres)
    else:
        rows = [[('last', 1)], [('first', 1)], [('docno', .42), ('nat', .58)], [('dob', .36), ('sex', .16), ('pob', .48)],
                [('doi', .36), ('doe', .36)], [('auth', .58), ('pers', .42)]]
        p.rows(rows, x0, hh + 1.4, cw, 6.9, 1.3, 2.45, present=pres)
    p.mrz(mrz, 18, H - 14.6, 5.2, 3.35)
    return p.html()


def build_td1(d, th, mrz, r):
    W, H = SIZES['TD1']
    lay = d['lay']
    # front
    f = Page(d, th, W, H, r, 'front')
    hh = 7.5
    f.header(hh, 1.6, 1.35)
    pres = present_on(d, 'front')
    pw, ph = 22 + r.uniform(-0.5, 0.5), 28.5 + r.uniform(-0.5, 0.5)
    if lay['photo'] == 'left':
        px = 3 + r.uniform(-0.4, 0.4)
        x0, cw = px + pw + 3, W - (px + pw + 3) - 3
    else:
        px = W - 3 - pw + r.uniform(-0.4, 0.4)
        x0, cw = 3.5, px - 3 - 3.5
    py = hh + 2
    f.add(portrait(px, py, pw, ph, r))
    f.sig(px + 1, py + ph + 1, pw - 2, 1.0)
    if lay['cap'] == 'beside':
        rows = [[('last', 1)], [('first', 1)], [('sex', .42), ('nat', .58)], [('dob', 1)], [('docno', 1)], [('doe', 1)],
                [('pers', 1)], [('pob', 1)]]
        f.rows(rows, x0, hh + 1.5, cw, 4.45, 1.1, 2.05, beside=20, present=pres)
    else:
        rows = [[('last', 1)], [('first', 1)], [('sex', .2), ('nat', .34), ('dob', .46)], [('docno', .5), ('doe', .5)],
                [('pers', 1)], [('pob', 1)]]
        f.rows(rows, x0, hh + 1.3, cw, 5.7, 1.1, 2.15, present=pres)
    if r.random() < 0.7:   # optically variable patch (translucent rainbow) in the free lower corner
        ox = W - 21 if lay['photo'] == 'left' else 4
        f.add(f'<div class="z" data-k="ovd" style="position:absolute;left:{ox + r.uniform(-1, 1):.2f}mm;top:{H - 15 + r.uniform(-0.5, 0.5):.2f}mm;'
              f'width:16mm;height:11mm;border-radius:50%;opacity:.28;background:conic-gradient(from {r.randint(0, 359)}deg,'
              f'#ff7a7a,#ffd36b,#8cff8c,#6bd8ff,#b58cff,#ff7a7a)"></div>')
    front = f.html()
    # back: date of issue / authority (and whatever else d['back'] lists) above the MRZ, chip, barcode, ghost image
    b = Page(d, th, W, H, r, 'back')
    b.add(f'<div style="position:absolute;left:0;top:0;width:{W}mm;height:2mm;background:{th["band"]}"></div>')
    pres = present_on(d, 'back')
    cx = W - 3 - 14 + r.uniform(-0.5, 0.5)
    b.add(f'<div class="z" data-k="chip" style="position:absolute;left:{cx:.2f}mm;top:4.5mm;width:12mm;height:10mm;border-radius:1.6mm;'
          f'background:linear-gradient(135deg,#e2cc84,#b4934a);box-shadow:inset 0 0 0 0.25mm #8f7536"></div>')
    b.add(portrait(W - 30 + r.uniform(-0.5, 0.5), 4.2, 10, 13, r, zid='ghost', opacity=0.22))
    bars, x = [], 0.0
    while x < 27:
        w = r.choice([0.2, 0.2, 0.35, 0.5])
        if r.random() < 0.55:
            bars.append(f'<rect x="{x:.2f}" y="0" width="{w}" height="6"/>')
        x += w
    b.add(f'<svg class="z" data-k="barcode" style="position:absolute;left:{W - 31:.2f}mm;top:20.5mm" width="27.5mm" height="6mm" '
          f'viewBox="0 0 27.5 6"><g fill="#1d1d1d">{"".join(bars)}</g></svg>')
    bcw = W - 33 - 4
    if lay['cap'] == 'beside':
        rows = [[('doi', 1)], [('auth', 1)], [('pob', 1)], [('pers', 1)], [('nat', 1)]]
        b.rows(rows, 4, 4.3, bcw, 4.6, 1.1, 2.05, beside=17, present=pres)
    else:
        rows = [[('doi', 1)], [('auth', 1)], [('pob', 1)], [('pers', 1)]]
        b.rows(rows, 4, 4.0, bcw, 5.6, 1.1, 2.1, present=pres)
    b.mrz(mrz, 18, H - 15.4, 4.45, 3.3)
    return front, b.html()


def make_mrz(d):
    over = DROP_UMLAUT if d.get('tr') == 'drop' else None
    st, nat = d['state'], d['nat']
    pers = d.get('mrz_pers', d['pers'])
    if d['fmt'] == 'TD3':
        return td3(d['code'], st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], pers, over=over)
    if d['fmt'] == 'TD2':
        return td2(d['code'], st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], '', over=over)
    o1 = pers if d.get('popt') == 1 else ''
    o2 = pers if d.get('popt') == 2 else ''
    return td1(d['code'], st, d['last'], d['first'], d['docno'], nat, d['dob'], d['sex'], d['doe'], o1, o2, over=over)


# ------------------------------------------------------------------ rendering and capture
def shot(htmlfile, png, W, H, pxmm):
    css_w, css_h = round(W * 96 / 25.4), round(H * 96 / 25.4)
    dsf = pxmm * 25.4 / 96
    subprocess.run(['nice', '-n', '19', 'timeout', '120', 'chromium', '--headless', '--no-sandbox', '--hide-scrollbars',
                    '--disable-gpu', f'--force-device-scale-factor={dsf:.4f}', f'--window-size={css_w},{css_h}',
                    f'--screenshot={png}', htmlfile], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def layout_problems(htmlfile, W, H):
    css_w, css_h = round(W * 96 / 25.4), round(H * 96 / 25.4)
    out = subprocess.run(['nice', '-n', '19', 'timeout', '120', 'chromium', '--headless', '--no-sandbox', '--disable-gpu',
                          f'--window-size={css_w},{css_h}', '--dump-dom', htmlfile],
                         capture_output=True, text=True).stdout
    import re
    m = re.search(r'data-bad="([^"]*)"', out)
    return html.unescape(m.group(1)) if m else 'no data-bad attribute (script did not run?)'


def run(cmd):
    subprocess.run(['nice', '-n', '19'] + cmd, check=True)


def size_of(f):
    return tuple(map(int, subprocess.check_output(['identify', '-format', '%w %h', f]).split()))


def capture_scan(src, dst, r):
    sd = str(r.randint(1, 10 ** 6))
    bg = r.choice(['#fbfbfa', '#2a2a2a', '#ecebe8', '#d6d7d3'])
    ang = r.uniform(-2.0, 2.0)
    m = r.randint(30, 90)
    q = r.randint(85, 95)
    blur = r.uniform(0.35, 0.75)
    run(['convert', '-seed', sd, src, '-bordercolor', bg, '-border', str(m), '-background', bg, '-rotate', f'{ang:.2f}',
         '-blur', f'0x{blur:.2f}', '-modulate', f'{r.randint(97, 104)},{r.randint(88, 100)}', '-attenuate', '0.25',
         '+noise', 'Gaussian', '-quality', str(q), dst])
    return dict(kind='scan', bg=bg, angle=round(ang, 2), jpeg_quality=q, blur=round(blur, 2))


def desk(path, CW, CH, r, sd):
    kind = r.choice(['wood', 'fabric', 'stone', 'laminate'])
    if kind == 'wood':
        c1, c2 = r.choice([('#4a2e17', '#a8743f'), ('#5b3b22', '#c08a55'), ('#3a2616', '#8a5d34')])
        run(['convert', '-seed', sd, '-size', f'{max(8, CW // 60)}x{CH // 3}', 'xc:', '+noise', 'Random', '-channel', 'G',
             '-separate', '+channel', '-blur', '0x0.8', '-resize', f'{CW}x{CH}!',
             '(', '-size', f'{CW // 8}x{CH // 8}', 'plasma:grey50-grey50', '-colorspace', 'Gray', '-resize', f'{CW}x{CH}!', ')',
             '-compose', 'overlay', '-composite', '-auto-level', '-colorspace', 'sRGB', '-type', 'TrueColor', '+level-colors', f'{c1},{c2}',
             '-attenuate', '0.5', '+noise', 'Gaussian', '-type', 'TrueColor', 'PNG24:' + path])
    elif kind == 'fabric':
        c1, c2 = r.choice([('#2d3a4a', '#5d6f84'), ('#3b3b3b', '#6e6e6a'), ('#23412f', '#4d7359')])
        run(['convert', '-seed', sd, '-size', f'{CW // 3}x{CH // 3}', 'xc:', '+noise', 'Random', '-colorspace', 'Gray',
             '-blur', '0x0.5', '-resize', f'{CW}x{CH}!', '-auto-level', '-colorspace', 'sRGB', '-type', 'TrueColor', '+level-colors', f'{c1},{c2}',
             '-type', 'TrueColor', 'PNG24:' + path])
    elif kind == 'stone':
        c1, c2 = r.choice([('#a9a69f', '#e3e0d8'), ('#8f9498', '#d3d6d8')])
        run(['convert', '-seed', sd, '-size', f'{CW // 4}x{CH // 4}', 'plasma:fractal', '-colorspace', 'Gray', '-blur', '0x1.5',
             '-resize', f'{CW}x{CH}!', '-auto-level', '-colorspace', 'sRGB', '-type', 'TrueColor', '+level-colors', f'{c1},{c2}', '-attenuate', '0.4', '+noise', 'Gaussian',
             '-type', 'TrueColor', 'PNG24:' + path])
    else:
        c1, c2 = r.choice([('#1e1f22', '#44464b'), ('#6a625a', '#8c8379')])
        run(['convert', '-seed', sd, '-size', f'{CW // 6}x{CH // 6}', 'plasma:grey40-grey60', '-colorspace', 'Gray', '-blur', '0x3',
             '-resize', f'{CW}x{CH}!', '-auto-level', '-colorspace', 'sRGB', '-type', 'TrueColor', '+level-colors', f'{c1},{c2}', '-attenuate', '0.7', '+noise', 'Gaussian',
             '-type', 'TrueColor', 'PNG24:' + path])
    return kind


def capture_phone(src, dst, r, has_mrz):
    sd = str(r.randint(1, 10 ** 6))
    w, h = size_of(src)
    CW, CH = int(w * 1.5), int(h * 1.62)
    tmp = dst + '.tmp'
    kind = desk(tmp + '.bg.png', CW, CH, r, sd)
    # 3-D pose: tilt (about an axis in the page plane) up to 8 deg, in-plane rotation up to 12 deg, pinhole camera
    tilt = r.uniform(2.0, 8.0)
    phi = r.uniform(0, 2 * math.pi)
    ax, ay = math.radians(tilt) * math.cos(phi), math.radians(tilt) * math.sin(phi)
    ang = r.uniform(-12, 12)
    f = 1.25 * max(w, h)
    pts = []
    for (x, y) in [(0, 0), (w, 0), (w, h), (0, h)]:
        X, Y, Z = x - w / 2, y - h / 2, 0.0
        Y, Z = Y * math.cos(ax) - Z * math.sin(ax), Y * math.sin(ax) + Z * math.cos(ax)
        X, Z = X * math.cos(ay) + Z * math.sin(ay), -X * math.sin(ay) + Z * math.cos(ay)
        u, v = f * X / (f + Z), f * Y / (f + Z)
        a = math.radians(ang)
        pts.append((u * math.cos(a) - v * math.sin(a), u * math.sin(a) + v * math.cos(a)))
    minx, maxx = min(p[0] for p in pts), max(p[0] for p in pts)
    miny, maxy = min(p[1] for p in pts), max(p[1] for p in pts)
    s = min(1.0, 0.9 * CW / (maxx - minx), 0.9 * CH / (maxy - miny)) * r.uniform(0.92, 1.0)
    sx, sy = (maxx - minx) * s, (maxy - miny) * s
    ox = CW / 2 + r.uniform(-0.4, 0.4) * max(0, CW - sx - 0.06 * CW) / 2
    oy = CH / 2 + r.uniform(-0.4, 0.4) * max(0, CH - sy - 0.06 * CH) / 2
    cx0, cy0 = (minx + maxx) / 2, (miny + maxy) / 2
    dst_pts = [((px - cx0) * s + ox, (py - cy0) * s + oy) for px, py in pts]
    arg = ' '.join(f'{a},{b} {c:.1f},{e:.1f}' for (a, b), (c, e) in zip([(0, 0), (w, 0), (w, h), (0, h)], dst_pts))
    run(['convert', src, '-alpha', 'set', '-virtual-pixel', 'transparent', '-define', f'distort:viewport={CW}x{CH}+0+0',
         '-distort', 'Perspective', arg, '+repage', tmp + '.pg.png'])
    # drop shadow on the desk (built at quarter size: big blurs are slow)
    q = 4
    shx, shy = r.randint(6, 22), r.randint(8, 26)
    shk = r.randint(35, 60)
    run(['convert', tmp + '.pg.png', '-alpha', 'extract', '-resize', f'{100 // q}%', '-background', 'black',
         '-roll', f'+{shx // q}+{shy // q}', '-blur', f'0x{r.uniform(3, 6):.1f}', '-negate', '+level', f'{100 - shk}%,100%',
         '-resize', f'{CW}x{CH}!', tmp + '.sh.png'])
    # glare: a soft bright ellipse on the document only; kept off the MRZ rows (lower ~25 %) when the side has one
    ga, gb = r.uniform(0.1, 0.9), r.uniform(0.08, 0.62 if has_mrz else 0.9)
    P = dst_pts
    gx = (1 - gb) * ((1 - ga) * P[0][0] + ga * P[1][0]) + gb * ((1 - ga) * P[3][0] + ga * P[2][0])
    gy = (1 - gb) * ((1 - ga) * P[0][1] + ga * P[1][1]) + gb * ((1 - ga) * P[3][1] + ga * P[2][1])
    grx, gry = r.uniform(0.08, 0.2) * sx, r.uniform(0.05, 0.12) * sy
    gk = r.uniform(0.45, 0.78)
    gq = f'{int(255 * gk)}'
    run(['convert', '-size', f'{CW // q}x{CH // q}', 'xc:black', '-fill', f'rgb({gq},{gq},{gq})', '-draw',
         f'ellipse {gx / q:.0f},{gy / q:.0f} {grx / q:.0f},{gry / q:.0f} 0,360', '-blur', f'0x{max(grx, gry) / q / 3.5:.1f}',
         '-resize', f'{CW}x{CH}!', '(', tmp + '.pg.png', '-alpha', 'extract', ')', '-compose', 'multiply', '-composite',
         tmp + '.gl.png'])
    # lighting: brightness gradient, and sometimes the soft shadow of the phone / hand across one side
    lo, hi = r.randint(68, 84), r.randint(100, 110)
    a = r.uniform(0, 2 * math.pi)
    x1, y1 = CW / 2 + math.cos(a) * CW / 2, CH / 2 + math.sin(a) * CH / 2
    occl = r.random() < 0.6
    light = ['(', '-size', f'{CW // q}x{CH // q}', 'xc:rgb(128,128,128)', '-type', 'TrueColor', '-sparse-color', 'Barycentric',
             f'{x1 / q:.0f},{y1 / q:.0f} gray({lo}%) {(CW - x1) / q:.0f},{(CH - y1) / q:.0f} gray({hi}%)']
    if occl:
        b = r.uniform(0, 2 * math.pi)
        ex, ey = CW / 2 + math.cos(b) * CW * 0.55, CH / 2 + math.sin(b) * CH * 0.55
        rad = r.uniform(0.3, 0.45) * max(CW, CH)
        dk = r.randint(55, 75)
        light += ['(', '-size', f'{CW // q}x{CH // q}', 'xc:white', '-fill', f'gray({dk}%)', '-draw',
                  f'circle {ex / q:.0f},{ey / q:.0f} {(ex + rad) / q:.0f},{ey / q:.0f}', '-blur', f'0x{rad / q / 5:.1f}', ')',
                  '-compose', 'multiply', '-composite']
    light += ['-resize', f'{CW}x{CH}!', ')']
    blur = r.uniform(0.6, 1.25)
    scale = r.randint(62, 88)
    qual = r.randint(70, 90)
    warm = r.choice(['#ffb46b', '#8fb4ff', '#ffffff'])
    run(['convert', '-seed', sd, tmp + '.bg.png', tmp + '.sh.png', '-compose', 'multiply', '-composite',
         tmp + '.pg.png', '-compose', 'over', '-composite',
         tmp + '.gl.png', '-compose', 'screen', '-composite'] + light +
        ['-compose', 'multiply', '-composite', '-fill', warm, '-colorize', '5%',
         '-blur', f'0x{blur:.2f}', '-attenuate', f'{r.uniform(0.3, 0.6):.2f}', '+noise', 'Gaussian',
         '-modulate', f'{r.randint(96, 106)},{r.randint(85, 102)}', '-resize', f'{scale}%', '-type', 'TrueColor',
         '-quality', str(qual), dst])
    for t in ('.bg.png', '.pg.png', '.sh.png', '.gl.png'):
        os.remove(tmp + t)
    return dict(kind='phone', desk=kind, angle=round(ang, 2), tilt_deg=round(tilt, 2), tilt_axis_deg=round(math.degrees(phi), 1),
                glare=round(gk, 2), hand_shadow=occl, blur=round(blur, 2), scale_pct=scale, jpeg_quality=qual)


def translit_note(d):
    if d.get('tr') == 'drop':
        return 'Ä→A Ö→O Ü→U Å→A (state drops the diacritic); other letters per ICAO 9303 part 3'
    return 'ICAO 9303 part 3 default: Ä→AE Ö→OE Ü→UE Å→AA Æ→AE Ø→OE Þ→TH Ð→D ß→SS, other diacritics dropped, apostrophe omitted, hyphen/space→<'


SALT = ''


def main():
    global SALT
    args = sys.argv[1:]
    SALT = args[args.index('--salt') + 1] if '--salt' in args else ''
    only = set(args[args.index('--only') + 1].split(',')) if '--only' in args else None
    for sub in ('html', 'pages', 'img'):
        os.makedirs(f'{OUT}/{sub}', exist_ok=True)
    truth_path = f'{OUT}/truth.json'
    truth = json.load(open(truth_path)) if os.path.exists(truth_path) else {}
    problems = []
    for d in DOCS:
        if only and d['id'] not in only:
            continue
        r = random.Random(d['id'] + SALT)
        i = [x['id'] for x in DOCS].index(d['id'])
        th = THEMES[(i * 3) % len(THEMES)]
        pxmm = r.choice([12, 13, 14]) if d['capture'] == 'scan' else r.choice([14, 15, 16])
        mrz = make_mrz(d)
        W, H = SIZES[d['fmt']]
        sides = {}
        if d['fmt'] == 'TD3':
            sides['front'] = build_td3(d, th, mrz, r)
        elif d['fmt'] == 'TD2':
            sides['front'] = build_td2(d, th, mrz, r)
        else:
            sides['front'], sides['back'] = build_td1(d, th, mrz, r)
        files, caps = {}, {}
        for side, doc in sides.items():
            hf = f'{OUT}/html/{d["id"]}_{side}.html'
            open(hf, 'w').write(doc)
            pg = f'{OUT}/pages/{d["id"]}_{side}.png'
            if '--no-check' not in args:
                bad = layout_problems(hf, W, H)
                if bad:
                    problems.append(f'{d["id"]}_{side}: {bad}')
                    print('  LAYOUT:', d['id'], side, bad, flush=True)
            if '--no-render' not in args:
                shot(hf, pg, W, H, pxmm)
            img = f'{OUT}/img/{d["id"]}_{side}.jpg'
            cr = random.Random(d['id'] + side + 'capture' + SALT)
            if '--no-capture' not in args:
                has_mrz = d['fmt'] != 'TD1' or side == 'back'
                caps[side] = capture_scan(pg, img, cr) if d['capture'] == 'scan' else capture_phone(pg, img, cr, has_mrz)
            files[side] = os.path.relpath(img, OUT)
        y, m, dd = map(int, d['doe'].split('.')[::-1])
        expired = (y, m, dd) < EXPIRY_CUTOFF
        pv = Page(d, th, W, H, random.Random(0), 'front')
        printed = {k: pv.value(k) for k in ['docno', 'last', 'first', 'nat', 'dob', 'sex', 'pob', 'doi', 'doe', 'auth', 'pers']
                   if pv.value(k)}
        side_of = {}
        for s in sides:
            for k in present_on(d, s):
                side_of[k] = s
        names = dict(docno='document_number', last='last_name', first='first_name', nat='nationality', dob='date_of_birth',
                     sex='sex', pob='place_of_birth', doi='date_of_issue', doe='date_of_expiry', auth='authority',
                     pers='personal_number', type='document_type_letter', code='issuing_state_code')
        truth[d['id']] = dict(
            files=files, format=d['fmt'], state=d['state'], mrz_state=d['state'], country=d['cc'], mrz=mrz, expired=expired,
            capture=d['capture'], px_per_mm=pxmm,
            fields=dict(last_name=d['last'], first_name=d['first'], date_of_birth=d['dob'], date_of_issue=d['doi'],
                        date_of_expiry=d['doe'], document_number=d['docno'], personal_number=d['pers'],
                        authority=d['authority'], place_of_birth=d['pob'], sex=d['sex']),
            printed_dates=dict(dob=printed['dob'], doi=printed['doi'], doe=printed['doe']),
            printed={names[k]: v for k, v in printed.items()},
            printed_side={names[k]: v for k, v in sorted(side_of.items())},
            nationality_mrz=d['nat'], mrz_transliteration=translit_note(d),
            mrz_personal_number=d.get('mrz_pers', d['pers']),
            layout=dict(d['lay'], header=d['lay'].get('head'), value_font=pv.vfont, caption_font=pv.cfont, bold_values=pv.bold,
                        value_scale=round(pv.vscale, 3), theme=(i * 3) % len(THEMES), date_style=d['ds'],
                        caption_languages=d['langs'] + ['en']),
            captures=caps or truth.get(d['id'], {}).get('captures', {}))
        print(d['id'], d['fmt'], d['capture'], ' | '.join(mrz), 'EXPIRED' if expired else '', flush=True)
    order = [x['id'] for x in DOCS]
    json.dump(dict(sorted(truth.items(), key=lambda kv: order.index(kv[0]))), open(truth_path, 'w'), indent=1, ensure_ascii=False)
    if problems:
        print('\nLAYOUT PROBLEMS:\n  ' + '\n  '.join(problems))


if __name__ == '__main__':
    main()
