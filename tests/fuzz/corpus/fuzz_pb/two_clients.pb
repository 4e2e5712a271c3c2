7
e-1
fuzz-ketenc-1001"
aanmelding*gemeente2”æ•¾G
e-2
fuzz-ketenc-1001"intake*opvang2‚›¾B
locatie	Den BoschB
e-3
fuzz-ketenc-1002"
aanmelding*opvang2€‰ ¾:¬‹ ¾€åšw