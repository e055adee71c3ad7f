"""An independent simulation of CHARA/SPICA nights, written without the project's generators or
visibility code: own uv geometry, own disk/binary visibilities, own noise, own OIFITS writer."""
