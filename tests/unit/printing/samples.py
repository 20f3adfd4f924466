"""Synthetic documents for the printing tests (made-up names and NIKs only)."""

from __future__ import annotations

import datetime as dt

from services.printing.documents.render import DocumentContent

SIGNER_NAME = "Dr. Hj. Ratna Kusumawati, M.Si."
SIGNER_TITLE = "KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN SUMEDANG"


def make_kk(serial: int = 123, **overrides) -> DocumentContent:
    number = f"3211-KK-2026-{serial:06d}"
    values = dict(
        document_type="KK",
        title="KARTU KELUARGA",
        document_number=number,
        issued_at=dt.datetime(2026, 11, 28, 9, 30),
        region_name="KABUPATEN SUMEDANG",
        signer_name=SIGNER_NAME,
        signer_title=SIGNER_TITLE,
        verify_url=f"https://silasidakep.example.test/v/{number}",
        fields=[
            ("Nomor KK", "3211062811260001"),
            ("Nama Kepala Keluarga", "Budi Santoso"),
            ("Alamat", "Jl. Prabu Geusan Ulun No. 17 & Gg. Melati"),
            ("RT/RW", "003/007"),
            ("Desa/Kelurahan", "Regol Wetan"),
            ("Kecamatan", "Sumedang Selatan"),
            ("Kabupaten/Kota", "Sumedang"),
            ("Kode Pos", "45311"),
            ("Provinsi", "Jawa Barat"),
        ],
        members=[
            _member(
                "Budi Santoso",
                "3211061203850001",
                "Laki-laki",
                "12-03-1985",
                "Kepala Keluarga",
                "Kawin",
                "S1",
                "Pegawai Negeri Sipil",
            ),
            _member(
                "Siti Aminah",
                "3211064107900002",
                "Perempuan",
                "01-07-1990",
                "Istri",
                "Kawin",
                "SLTA/Sederajat",
                "Mengurus Rumah Tangga",
            ),
            _member(
                "Rizky Pratama Santoso",
                "3211061505150003",
                "Laki-laki",
                "15-05-2015",
                "Anak",
                "Belum Kawin",
                "Tamat SD/Sederajat",
                "Pelajar/Mahasiswa",
            ),
            _member(
                "Nur Aisyah Putri Santoso",
                "3211066208190004",
                "Perempuan",
                "22-08-2019",
                "Anak",
                "Belum Kawin",
                "Tidak/Belum Sekolah",
                "Belum/Tidak Bekerja",
            ),
        ],
    )
    values.update(overrides)
    return DocumentContent(**values)


def _member(
    name: str,
    nik: str,
    sex: str,
    born: str,
    relation: str,
    marital: str,
    education: str,
    job: str,
) -> dict[str, str]:
    is_child = relation == "Anak"
    return {
        "Nama Lengkap": name,
        "NIK": nik,
        "Jenis Kelamin": sex,
        "Tempat Lahir": "Sumedang",
        "Tanggal Lahir": born,
        "Agama": "Islam",
        "Pendidikan": education,
        "Jenis Pekerjaan": job,
        "Status Perkawinan": marital,
        "Hubungan dalam Keluarga": relation,
        "Kewarganegaraan": "WNI",
        "Nama Ayah": "Budi Santoso" if is_child else "Ahmad Hidayat",
        "Nama Ibu": "Siti Aminah" if is_child else "Euis Komariah",
    }
