"""Labelled pairs for measuring wrong hits: the bundled sets (fow-cache's and ours), or a JSONL file.

A pair is a cached side ``a`` and a new side ``b``, each a prompt plus the earlier turns of its
conversation (empty for single questions), and whether one answer is right for both (``same_answer``); a pair
may carry the answer given to ``a`` (``a_answer``), so a judge that reads the stored answer can be measured.
A bad file fails on its first mistake with the line and the field, so it can be fixed in one go.
Every set is cut into dev and test by id (``splits``): ``load`` takes the split to read.
"""

from __future__ import annotations

import difflib
import gzip
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nearhit import jsonbody, validate
from nearhit.errors import InvalidInput
from nearhit.evaluation import splits

FOW_CACHE = ("questions", "conversations")
OURS = "nearhit"
OURS_V2 = "nearhit-v2"
OUR_CONVERSATIONS = "nearhit-conversations"
# Our sets kept in one file each (the split is applied on load), each written by a session that read none of
# the code or the other data; benchmarks/README.md says when each was made and last used for a decision. Sets
# bundled unread for a later session's decision are kept gzipped, so a grep over the sources cannot show their pairs.
BUNDLED_FILES = {
    OURS_V2: "nearhit_pairs_v2.jsonl",
    "nearhit-v3": "nearhit_pairs_v3.jsonl",
    "nearhit-v4": "nearhit_pairs_v4.jsonl",
    "nearhit-v5": "nearhit_pairs_v5.jsonl",
    "nearhit-v6": "nearhit_pairs_v6.jsonl",
    "nearhit-v7": "nearhit_pairs_v7.jsonl",
    "nearhit-v8": "nearhit_pairs_v8.jsonl",
    "nearhit-v9": "nearhit_pairs_v9.jsonl",
    "nearhit-v10": "nearhit_pairs_v10.jsonl",
    "nearhit-v11": "nearhit_pairs_v11.jsonl",
    "nearhit-v12": "nearhit_pairs_v12.jsonl",
    "nearhit-v13": "nearhit_pairs_v13.jsonl",
    "nearhit-v14": "nearhit_pairs_v14.jsonl",
    "nearhit-v15": "nearhit_pairs_v15.jsonl",
    "nearhit-v16": "nearhit_pairs_v16.jsonl",
    "nearhit-v17": "nearhit_pairs_v17.jsonl",
    "nearhit-v18": "nearhit_pairs_v18.jsonl",
    "nearhit-v19": "nearhit_pairs_v19.jsonl",
    "nearhit-v20": "nearhit_pairs_v20.jsonl",
    "nearhit-v21": "nearhit_pairs_v21.jsonl",
    "nearhit-v22": "nearhit_pairs_v22.jsonl",
    "nearhit-v23": "nearhit_pairs_v23.jsonl",
    "nearhit-v24": "nearhit_pairs_v24.jsonl",
    "nearhit-v25": "nearhit_pairs_v25.jsonl",
    "nearhit-v26": "nearhit_pairs_v26.jsonl",
    "nearhit-v27": "nearhit_pairs_v27.jsonl",
    "nearhit-v28": "nearhit_pairs_v28.jsonl",
    "nearhit-v29": "nearhit_pairs_v29.jsonl",
    "nearhit-v30": "nearhit_pairs_v30.jsonl",
    "nearhit-v31": "nearhit_pairs_v31.jsonl",
    "nearhit-v32": "nearhit_pairs_v32.jsonl",
    "nearhit-v33": "nearhit_pairs_v33.jsonl",
    "nearhit-v34": "nearhit_pairs_v34.jsonl",
    "nearhit-v35": "nearhit_pairs_v35.jsonl",
    "nearhit-v36": "nearhit_pairs_v36.jsonl",
    "nearhit-v37": "nearhit_pairs_v37.jsonl",
    "nearhit-v38": "nearhit_pairs_v38.jsonl",
    "nearhit-v39": "nearhit_pairs_v39.jsonl",
    "nearhit-v40": "nearhit_pairs_v40.jsonl",
    "nearhit-v41": "nearhit_pairs_v41.jsonl",
    "nearhit-v42": "nearhit_pairs_v42.jsonl",
    "nearhit-v43": "nearhit_pairs_v43.jsonl",
    OUR_CONVERSATIONS: "nearhit_conversations.jsonl",
    "nearhit-conversations-v2": "nearhit_conversations_v2.jsonl",
    "nearhit-conversations-v3": "nearhit_conversations_v3.jsonl",
    "nearhit-conversations-v4": "nearhit_conversations_v4.jsonl",
    "nearhit-conversations-v5": "nearhit_conversations_v5.jsonl",
    "nearhit-conversations-v6": "nearhit_conversations_v6.jsonl",
    "nearhit-conversations-v7": "nearhit_conversations_v7.jsonl",
    "nearhit-conversations-v8": "nearhit_conversations_v8.jsonl",
    "nearhit-conversations-v9": "nearhit_conversations_v9.jsonl",
    "nearhit-conversations-v10": "nearhit_conversations_v10.jsonl",
    "nearhit-conversations-v11": "nearhit_conversations_v11.jsonl",
    "nearhit-conversations-v12": "nearhit_conversations_v12.jsonl",
    "nearhit-conversations-v13": "nearhit_conversations_v13.jsonl",
    "nearhit-conversations-v14": "nearhit_conversations_v14.jsonl",
    "nearhit-conversations-v15": "nearhit_conversations_v15.jsonl",
    "nearhit-conversations-v16": "nearhit_conversations_v16.jsonl",
    "nearhit-conversations-v17": "nearhit_conversations_v17.jsonl",
    "nearhit-conversations-v18": "nearhit_conversations_v18.jsonl",
    "nearhit-conversations-v19": "nearhit_conversations_v19.jsonl",
    "nearhit-conversations-v20": "nearhit_conversations_v20.jsonl",
    "nearhit-conversations-v21": "nearhit_conversations_v21.jsonl",
    "nearhit-conversations-v22": "nearhit_conversations_v22.jsonl",
    "nearhit-conversations-v23": "nearhit_conversations_v23.jsonl",
    "nearhit-conversations-v24": "nearhit_conversations_v24.jsonl",
    "nearhit-conversations-v25": "nearhit_conversations_v25.jsonl",
    "nearhit-conversations-v26": "nearhit_conversations_v26.jsonl",
    "nearhit-conversations-v27": "nearhit_conversations_v27.jsonl",
    "nearhit-conversations-v28": "nearhit_conversations_v28.jsonl",
    "nearhit-conversations-v29": "nearhit_conversations_v29.jsonl",
    "nearhit-conversations-v30": "nearhit_conversations_v30.jsonl",
    "nearhit-conversations-v31": "nearhit_conversations_v31.jsonl",
    "nearhit-conversations-v32": "nearhit_conversations_v32.jsonl",
    "nearhit-conversations-v33": "nearhit_conversations_v33.jsonl",
    "nearhit-conversations-v34": "nearhit_conversations_v34.jsonl",
    "nearhit-conversations-v35": "nearhit_conversations_v35.jsonl",
    "nearhit-conversations-v36": "nearhit_conversations_v36.jsonl",
    "nearhit-conversations-v37": "nearhit_conversations_v37.jsonl",
    "nearhit-conversations-v38": "nearhit_conversations_v38.jsonl",
    "nearhit-conversations-v39": "nearhit_conversations_v39.jsonl",
    "nearhit-conversations-v40": "nearhit_conversations_v40.jsonl",
    "nearhit-conversations-v41": "nearhit_conversations_v41.jsonl",
    "nearhit-conversations-v42": "nearhit_conversations_v42.jsonl",
    "nearhit-conversations-v43": "nearhit_conversations_v43.jsonl",
    "nearhit-conversations-v44": "nearhit_conversations_v44.jsonl",
    "nearhit-conversations-v45": "nearhit_conversations_v45.jsonl",
    "nearhit-conversations-v46": "nearhit_conversations_v46.jsonl",
    "nearhit-conversations-v47": "nearhit_conversations_v47.jsonl",
    "nearhit-conversations-v48": "nearhit_conversations_v48.jsonl",
    "nearhit-conversations-v49": "nearhit_conversations_v49.jsonl",
    "nearhit-conversations-v50": "nearhit_conversations_v50.jsonl",
    "nearhit-conversations-v51": "nearhit_conversations_v51.jsonl",
    "nearhit-conversations-v52": "nearhit_conversations_v52.jsonl",
    "nearhit-conversations-v53": "nearhit_conversations_v53.jsonl",
    "nearhit-conversations-v54": "nearhit_conversations_v54.jsonl",
    "nearhit-conversations-v55": "nearhit_conversations_v55.jsonl",
    "nearhit-conversations-v56": "nearhit_conversations_v56.jsonl",
    "nearhit-conversations-v57": "nearhit_conversations_v57.jsonl",
    "nearhit-conversations-v58": "nearhit_conversations_v58.jsonl",
    "nearhit-conversations-v59": "nearhit_conversations_v59.jsonl",
    "nearhit-conversations-v60": "nearhit_conversations_v60.jsonl",
    "nearhit-conversations-v61": "nearhit_conversations_v61.jsonl",
    "nearhit-conversations-v62": "nearhit_conversations_v62.jsonl",
    "nearhit-conversations-v63": "nearhit_conversations_v63.jsonl",
    "nearhit-conversations-v64": "nearhit_conversations_v64.jsonl",
    "nearhit-conversations-v65": "nearhit_conversations_v65.jsonl",
    "nearhit-conversations-v66": "nearhit_conversations_v66.jsonl",
    "nearhit-conversations-v67": "nearhit_conversations_v67.jsonl",
    "nearhit-conversations-v68": "nearhit_conversations_v68.jsonl",
    "nearhit-conversations-v69": "nearhit_conversations_v69.jsonl",
    "nearhit-conversations-v70": "nearhit_conversations_v70.jsonl",
    "nearhit-conversations-v71": "nearhit_conversations_v71.jsonl",
    "nearhit-conversations-v72": "nearhit_conversations_v72.jsonl",
    "nearhit-conversations-v73": "nearhit_conversations_v73.jsonl",
    "nearhit-conversations-v74": "nearhit_conversations_v74.jsonl",
    "nearhit-conversations-v75": "nearhit_conversations_v75.jsonl",
    "nearhit-conversations-v76": "nearhit_conversations_v76.jsonl",
    "nearhit-conversations-v77": "nearhit_conversations_v77.jsonl",
    "nearhit-conversations-v78": "nearhit_conversations_v78.jsonl",
    "nearhit-conversations-v79": "nearhit_conversations_v79.jsonl",
    "nearhit-conversations-v80": "nearhit_conversations_v80.jsonl",
    "nearhit-conversations-v81": "nearhit_conversations_v81.jsonl",
    "nearhit-conversations-v82": "nearhit_conversations_v82.jsonl",
    "nearhit-conversations-v83": "nearhit_conversations_v83.jsonl",
    "nearhit-conversations-v84": "nearhit_conversations_v84.jsonl",
    "nearhit-conversations-v85": "nearhit_conversations_v85.jsonl",
    "nearhit-conversations-v86": "nearhit_conversations_v86.jsonl",
    "nearhit-conversations-v87": "nearhit_conversations_v87.jsonl",
    "nearhit-conversations-v88": "nearhit_conversations_v88.jsonl",
    "nearhit-conversations-v89": "nearhit_conversations_v89.jsonl",
    "nearhit-conversations-v90": "nearhit_conversations_v90.jsonl",
    "nearhit-conversations-v91": "nearhit_conversations_v91.jsonl",
    "nearhit-conversations-v92": "nearhit_conversations_v92.jsonl",
    "nearhit-conversations-v93": "nearhit_conversations_v93.jsonl",
    "nearhit-conversations-v94": "nearhit_conversations_v94.jsonl",
    "nearhit-conversations-v95": "nearhit_conversations_v95.jsonl",
    "nearhit-conversations-v96": "nearhit_conversations_v96.jsonl",
    "nearhit-conversations-v97": "nearhit_conversations_v97.jsonl",
    "nearhit-conversations-v98": "nearhit_conversations_v98.jsonl",
    "nearhit-conversations-v99": "nearhit_conversations_v99.jsonl",
    "nearhit-conversations-v100": "nearhit_conversations_v100.jsonl",
    "nearhit-conversations-v101": "nearhit_conversations_v101.jsonl",
    "nearhit-conversations-v102": "nearhit_conversations_v102.jsonl",
    "nearhit-conversations-v103": "nearhit_conversations_v103.jsonl",
    "nearhit-conversations-v104": "nearhit_conversations_v104.jsonl",
    "nearhit-conversations-v105": "nearhit_conversations_v105.jsonl",
    "nearhit-conversations-v106": "nearhit_conversations_v106.jsonl",
    "nearhit-conversations-v107": "nearhit_conversations_v107.jsonl",
    "nearhit-conversations-v108": "nearhit_conversations_v108.jsonl",
    "nearhit-conversations-v109": "nearhit_conversations_v109.jsonl",
    "nearhit-conversations-v110": "nearhit_conversations_v110.jsonl",
    "nearhit-conversations-v111": "nearhit_conversations_v111.jsonl",
    "nearhit-conversations-v112": "nearhit_conversations_v112.jsonl",
    "nearhit-conversations-v113": "nearhit_conversations_v113.jsonl",
    "nearhit-conversations-v114": "nearhit_conversations_v114.jsonl",
    "nearhit-conversations-v115": "nearhit_conversations_v115.jsonl",
    "nearhit-conversations-v116": "nearhit_conversations_v116.jsonl",
    "nearhit-conversations-v117": "nearhit_conversations_v117.jsonl",
    "nearhit-conversations-v118": "nearhit_conversations_v118.jsonl",
    "nearhit-conversations-v119": "nearhit_conversations_v119.jsonl",
    "nearhit-conversations-v120": "nearhit_conversations_v120.jsonl",
    "nearhit-conversations-v121": "nearhit_conversations_v121.jsonl",
    "nearhit-conversations-v122": "nearhit_conversations_v122.jsonl",
    "nearhit-conversations-v123": "nearhit_conversations_v123.jsonl",
    "nearhit-conversations-v124": "nearhit_conversations_v124.jsonl",
    "nearhit-conversations-v125": "nearhit_conversations_v125.jsonl",
    "nearhit-conversations-v126": "nearhit_conversations_v126.jsonl",
    "nearhit-conversations-v127": "nearhit_conversations_v127.jsonl",
    "nearhit-conversations-v128": "nearhit_conversations_v128.jsonl",
    "nearhit-conversations-v129": "nearhit_conversations_v129.jsonl",
    "nearhit-conversations-v130": "nearhit_conversations_v130.jsonl",
    "nearhit-conversations-v131": "nearhit_conversations_v131.jsonl",
    "nearhit-conversations-v132": "nearhit_conversations_v132.jsonl",
    "nearhit-conversations-v133": "nearhit_conversations_v133.jsonl",
    "nearhit-conversations-v134": "nearhit_conversations_v134.jsonl",
    "nearhit-conversations-v135": "nearhit_conversations_v135.jsonl",
    "nearhit-conversations-v136": "nearhit_conversations_v136.jsonl",
    "nearhit-conversations-v137": "nearhit_conversations_v137.jsonl",
    "nearhit-conversations-v138": "nearhit_conversations_v138.jsonl",
    "nearhit-conversations-v139": "nearhit_conversations_v139.jsonl",
    "nearhit-conversations-v140": "nearhit_conversations_v140.jsonl",
    "nearhit-conversations-v141": "nearhit_conversations_v141.jsonl",
    "nearhit-conversations-v142": "nearhit_conversations_v142.jsonl",
    "nearhit-conversations-v143": "nearhit_conversations_v143.jsonl",
    "nearhit-conversations-v144": "nearhit_conversations_v144.jsonl",
    "nearhit-conversations-v145": "nearhit_conversations_v145.jsonl",
    "nearhit-conversations-v146": "nearhit_conversations_v146.jsonl",
    "nearhit-conversations-v147": "nearhit_conversations_v147.jsonl",
    "nearhit-conversations-v148": "nearhit_conversations_v148.jsonl",
    "nearhit-conversations-v149": "nearhit_conversations_v149.jsonl",
    "nearhit-conversations-v150": "nearhit_conversations_v150.jsonl",
    "nearhit-conversations-v151": "nearhit_conversations_v151.jsonl",
    "nearhit-conversations-v152": "nearhit_conversations_v152.jsonl",
    "nearhit-conversations-v153": "nearhit_conversations_v153.jsonl",
    "nearhit-conversations-v154": "nearhit_conversations_v154.jsonl",
    "nearhit-conversations-v155": "nearhit_conversations_v155.jsonl",
    "nearhit-conversations-v156": "nearhit_conversations_v156.jsonl",
    "nearhit-conversations-v157": "nearhit_conversations_v157.jsonl",
    "nearhit-conversations-v158": "nearhit_conversations_v158.jsonl",
    "nearhit-conversations-v159": "nearhit_conversations_v159.jsonl",
    "nearhit-conversations-v160": "nearhit_conversations_v160.jsonl",
    "nearhit-conversations-v161": "nearhit_conversations_v161.jsonl",
    "nearhit-conversations-v162": "nearhit_conversations_v162.jsonl",
    "nearhit-conversations-v163": "nearhit_conversations_v163.jsonl",
    "nearhit-conversations-v164": "nearhit_conversations_v164.jsonl",
    "nearhit-conversations-v165": "nearhit_conversations_v165.jsonl",
    "nearhit-conversations-v166": "nearhit_conversations_v166.jsonl",
    "nearhit-conversations-v167": "nearhit_conversations_v167.jsonl",
    "nearhit-conversations-v168": "nearhit_conversations_v168.jsonl",
    "nearhit-conversations-v169": "nearhit_conversations_v169.jsonl",
    "nearhit-conversations-v170": "nearhit_conversations_v170.jsonl.gz",
    "nearhit-conversations-v171": "nearhit_conversations_v171.jsonl.gz",
    "nearhit-conversations-v172": "nearhit_conversations_v172.jsonl.gz",
    "nearhit-conversations-v173": "nearhit_conversations_v173.jsonl.gz",
    "nearhit-conversations-v174": "nearhit_conversations_v174.jsonl.gz",
    "nearhit-conversations-v175": "nearhit_conversations_v175.jsonl.gz",
    "nearhit-conversations-v176": "nearhit_conversations_v176.jsonl.gz",
    "nearhit-conversations-v177": "nearhit_conversations_v177.jsonl.gz",
    "nearhit-conversations-v178": "nearhit_conversations_v178.jsonl.gz",
    "nearhit-conversations-v179": "nearhit_conversations_v179.jsonl.gz",
    "nearhit-conversations-v180": "nearhit_conversations_v180.jsonl.gz",
    "nearhit-conversations-v181": "nearhit_conversations_v181.jsonl.gz",
    "nearhit-conversations-v182": "nearhit_conversations_v182.jsonl.gz",
    "nearhit-conversations-v183": "nearhit_conversations_v183.jsonl.gz",
    "nearhit-conversations-v184": "nearhit_conversations_v184.jsonl.gz",
    "nearhit-conversations-v185": "nearhit_conversations_v185.jsonl.gz",
    "nearhit-conversations-v186": "nearhit_conversations_v186.jsonl.gz",
    "nearhit-conversations-v187": "nearhit_conversations_v187.jsonl.gz",
    "nearhit-conversations-v188": "nearhit_conversations_v188.jsonl.gz",
    "nearhit-conversations-v189": "nearhit_conversations_v189.jsonl.gz",
    "nearhit-conversations-v190": "nearhit_conversations_v190.jsonl.gz",
    "nearhit-conversations-v191": "nearhit_conversations_v191.jsonl.gz",
    "nearhit-conversations-v192": "nearhit_conversations_v192.jsonl.gz",
    "nearhit-conversations-v193": "nearhit_conversations_v193.jsonl.gz",
    "nearhit-conversations-v194": "nearhit_conversations_v194.jsonl.gz",
    "nearhit-conversations-v195": "nearhit_conversations_v195.jsonl.gz",
    "nearhit-conversations-v196": "nearhit_conversations_v196.jsonl.gz",
    "nearhit-conversations-v197": "nearhit_conversations_v197.jsonl.gz",
    "nearhit-conversations-v198": "nearhit_conversations_v198.jsonl.gz",
    "nearhit-conversations-v199": "nearhit_conversations_v199.jsonl.gz",
    "nearhit-conversations-v200": "nearhit_conversations_v200.jsonl.gz",
    "nearhit-conversations-v201": "nearhit_conversations_v201.jsonl.gz",
    "nearhit-conversations-v202": "nearhit_conversations_v202.jsonl.gz",
    "nearhit-conversations-v203": "nearhit_conversations_v203.jsonl.gz",
    "nearhit-conversations-v204": "nearhit_conversations_v204.jsonl.gz",
    "nearhit-conversations-v205": "nearhit_conversations_v205.jsonl.gz",
    "nearhit-conversations-v206": "nearhit_conversations_v206.jsonl.gz",
    "nearhit-conversations-v207": "nearhit_conversations_v207.jsonl.gz",
    "nearhit-conversations-v208": "nearhit_conversations_v208.jsonl.gz",
    "nearhit-conversations-v209": "nearhit_conversations_v209.jsonl.gz",
    "nearhit-conversations-v210": "nearhit_conversations_v210.jsonl.gz",
    "nearhit-conversations-v211": "nearhit_conversations_v211.jsonl.gz",
    "nearhit-conversations-v212": "nearhit_conversations_v212.jsonl.gz",
    "nearhit-conversations-v213": "nearhit_conversations_v213.jsonl.gz",
    "nearhit-conversations-v214": "nearhit_conversations_v214.jsonl.gz",
    "nearhit-conversations-v215": "nearhit_conversations_v215.jsonl.gz",
    "nearhit-conversations-v216": "nearhit_conversations_v216.jsonl.gz",
    "nearhit-conversations-v217": "nearhit_conversations_v217.jsonl.gz",
    "nearhit-conversations-v218": "nearhit_conversations_v218.jsonl.gz",
    "nearhit-conversations-v219": "nearhit_conversations_v219.jsonl.gz",
    "nearhit-conversations-v220": "nearhit_conversations_v220.jsonl.gz",
    "nearhit-conversations-v221": "nearhit_conversations_v221.jsonl.gz",
    "nearhit-conversations-v222": "nearhit_conversations_v222.jsonl.gz",
    "nearhit-conversations-v223": "nearhit_conversations_v223.jsonl.gz",
    "nearhit-conversations-v224": "nearhit_conversations_v224.jsonl.gz",
    "nearhit-conversations-v225": "nearhit_conversations_v225.jsonl.gz",
    "nearhit-conversations-v226": "nearhit_conversations_v226.jsonl.gz",
    "nearhit-conversations-v227": "nearhit_conversations_v227.jsonl.gz",
    "nearhit-conversations-v228": "nearhit_conversations_v228.jsonl.gz",
    "nearhit-conversations-v229": "nearhit_conversations_v229.jsonl.gz",
    "nearhit-conversations-v230": "nearhit_conversations_v230.jsonl.gz",
    "nearhit-conversations-v231": "nearhit_conversations_v231.jsonl.gz",
    "nearhit-conversations-v232": "nearhit_conversations_v232.jsonl.gz",
    "nearhit-conversations-v233": "nearhit_conversations_v233.jsonl.gz",
    "nearhit-conversations-v234": "nearhit_conversations_v234.jsonl.gz",
    "nearhit-conversations-v235": "nearhit_conversations_v235.jsonl.gz",
    "nearhit-conversations-v236": "nearhit_conversations_v236.jsonl.gz",
    "nearhit-conversations-v237": "nearhit_conversations_v237.jsonl.gz",
    "nearhit-conversations-v238": "nearhit_conversations_v238.jsonl.gz",
    "nearhit-conversations-v239": "nearhit_conversations_v239.jsonl.gz",
    "nearhit-conversations-v240": "nearhit_conversations_v240.jsonl.gz",
    "nearhit-conversations-v241": "nearhit_conversations_v241.jsonl.gz",
    "nearhit-conversations-v242": "nearhit_conversations_v242.jsonl.gz",
    "nearhit-conversations-v243": "nearhit_conversations_v243.jsonl.gz",
    "nearhit-conversations-v244": "nearhit_conversations_v244.jsonl.gz",
    "nearhit-conversations-v245": "nearhit_conversations_v245.jsonl.gz",
    "nearhit-conversations-v246": "nearhit_conversations_v246.jsonl.gz",
    "nearhit-conversations-v247": "nearhit_conversations_v247.jsonl.gz",
    "nearhit-conversations-v248": "nearhit_conversations_v248.jsonl.gz",
    "nearhit-conversations-v249": "nearhit_conversations_v249.jsonl.gz",
    "nearhit-conversations-v250": "nearhit_conversations_v250.jsonl.gz",
    "nearhit-conversations-v251": "nearhit_conversations_v251.jsonl.gz",
    "nearhit-conversations-v252": "nearhit_conversations_v252.jsonl.gz",
    "nearhit-conversations-v253": "nearhit_conversations_v253.jsonl.gz",
    "nearhit-conversations-v254": "nearhit_conversations_v254.jsonl.gz",
    "nearhit-conversations-v255": "nearhit_conversations_v255.jsonl.gz",
    "nearhit-conversations-v256": "nearhit_conversations_v256.jsonl.gz",
    "nearhit-conversations-v257": "nearhit_conversations_v257.jsonl.gz",
    "nearhit-conversations-v258": "nearhit_conversations_v258.jsonl.gz",
    "nearhit-conversations-v259": "nearhit_conversations_v259.jsonl.gz",
    "nearhit-conversations-v260": "nearhit_conversations_v260.jsonl.gz",
    "nearhit-conversations-v261": "nearhit_conversations_v261.jsonl.gz",
    "nearhit-conversations-v262": "nearhit_conversations_v262.jsonl.gz",
    "nearhit-conversations-v263": "nearhit_conversations_v263.jsonl.gz",
    "nearhit-conversations-v264": "nearhit_conversations_v264.jsonl.gz",
    "nearhit-conversations-v265": "nearhit_conversations_v265.jsonl.gz",
    "nearhit-conversations-v266": "nearhit_conversations_v266.jsonl.gz",
    "nearhit-conversations-v267": "nearhit_conversations_v267.jsonl.gz",
    "nearhit-conversations-v268": "nearhit_conversations_v268.jsonl.gz",
    "nearhit-conversations-v269": "nearhit_conversations_v269.jsonl.gz",
    "nearhit-conversations-v270": "nearhit_conversations_v270.jsonl.gz",
    "nearhit-conversations-v271": "nearhit_conversations_v271.jsonl.gz",
    "nearhit-conversations-v272": "nearhit_conversations_v272.jsonl.gz",
    "nearhit-conversations-v273": "nearhit_conversations_v273.jsonl.gz",
    "nearhit-conversations-v274": "nearhit_conversations_v274.jsonl.gz",
    "nearhit-conversations-v275": "nearhit_conversations_v275.jsonl.gz",
    "nearhit-conversations-v276": "nearhit_conversations_v276.jsonl.gz",
    "nearhit-conversations-v277": "nearhit_conversations_v277.jsonl.gz",
    "nearhit-conversations-v278": "nearhit_conversations_v278.jsonl.gz",
    "nearhit-conversations-v279": "nearhit_conversations_v279.jsonl.gz",
    "nearhit-conversations-v280": "nearhit_conversations_v280.jsonl.gz",
    "nearhit-conversations-v281": "nearhit_conversations_v281.jsonl.gz",
    "nearhit-conversations-v282": "nearhit_conversations_v282.jsonl.gz",
    "nearhit-conversations-v283": "nearhit_conversations_v283.jsonl.gz",
    "nearhit-conversations-v284": "nearhit_conversations_v284.jsonl.gz",
    "nearhit-conversations-v285": "nearhit_conversations_v285.jsonl.gz",
    "nearhit-conversations-v286": "nearhit_conversations_v286.jsonl.gz",
    "nearhit-conversations-v287": "nearhit_conversations_v287.jsonl.gz",
    "nearhit-conversations-v288": "nearhit_conversations_v288.jsonl.gz",
    "nearhit-conversations-v289": "nearhit_conversations_v289.jsonl.gz",
    "nearhit-conversations-v290": "nearhit_conversations_v290.jsonl.gz",
    "nearhit-conversations-v291": "nearhit_conversations_v291.jsonl.gz",
    "nearhit-conversations-v292": "nearhit_conversations_v292.jsonl.gz",
    "nearhit-conversations-v293": "nearhit_conversations_v293.jsonl.gz",
    "nearhit-conversations-v294": "nearhit_conversations_v294.jsonl.gz",
    "nearhit-conversations-v295": "nearhit_conversations_v295.jsonl.gz",
    "nearhit-conversations-v296": "nearhit_conversations_v296.jsonl.gz",
    "nearhit-conversations-v297": "nearhit_conversations_v297.jsonl.gz",
    "nearhit-conversations-v298": "nearhit_conversations_v298.jsonl.gz",
    "nearhit-conversations-v299": "nearhit_conversations_v299.jsonl.gz",
    "nearhit-conversations-v300": "nearhit_conversations_v300.jsonl.gz",
    "nearhit-conversations-v301": "nearhit_conversations_v301.jsonl.gz",
    "nearhit-conversations-v302": "nearhit_conversations_v302.jsonl.gz",
    "nearhit-conversations-v303": "nearhit_conversations_v303.jsonl.gz",
    "nearhit-conversations-v304": "nearhit_conversations_v304.jsonl.gz",
    "nearhit-conversations-v305": "nearhit_conversations_v305.jsonl.gz",
    "nearhit-conversations-v306": "nearhit_conversations_v306.jsonl.gz",
    "nearhit-conversations-v307": "nearhit_conversations_v307.jsonl.gz",
    "nearhit-conversations-v308": "nearhit_conversations_v308.jsonl.gz",
    "nearhit-conversations-v309": "nearhit_conversations_v309.jsonl.gz",
    "nearhit-conversations-v310": "nearhit_conversations_v310.jsonl.gz",
    "nearhit-conversations-v311": "nearhit_conversations_v311.jsonl.gz",
    "nearhit-conversations-v312": "nearhit_conversations_v312.jsonl.gz",
    "nearhit-conversations-v313": "nearhit_conversations_v313.jsonl.gz",
    "nearhit-conversations-v314": "nearhit_conversations_v314.jsonl.gz",
    "nearhit-conversations-v315": "nearhit_conversations_v315.jsonl.gz",
    "nearhit-conversations-v316": "nearhit_conversations_v316.jsonl.gz",
    "nearhit-conversations-v317": "nearhit_conversations_v317.jsonl.gz",
    "nearhit-conversations-v318": "nearhit_conversations_v318.jsonl.gz",
    "nearhit-conversations-v319": "nearhit_conversations_v319.jsonl.gz",
    "nearhit-conversations-v320": "nearhit_conversations_v320.jsonl.gz",
    "nearhit-conversations-v321": "nearhit_conversations_v321.jsonl.gz",
}
BUILTIN = (*FOW_CACHE, OURS, *BUNDLED_FILES)
CONVERSATION_SETS = (*reversed([name for name in BUNDLED_FILES if name.startswith(OUR_CONVERSATIONS)]), "conversations")
"""The built-in conversation sets, newest first (fow-cache's last)."""
DATA_DIR = Path(__file__).with_name("data")
ATTRIBUTION = (
    "Data: fow-cache (Mabon ap Gwyn, 2026), CC BY 4.0, https://creativecommons.org/licenses/by/4.0/; "
    "conversation 'subtype' is used as the category."
)

Turn = tuple[str, str]


@dataclass(frozen=True)
class Side:
    """One side of a pair: the prompt to store or look up, and the (role, content) turns before it."""

    prompt: str
    history: tuple[Turn, ...] = ()


@dataclass(frozen=True)
class Pair:
    id: str
    category: str
    a: Side
    b: Side
    same_answer: bool
    lang: str | None = None  # e.g. "es", or "en-es" for a cross-lingual pair; None when the data does not say
    a_answer: str | None = None
    """The answer given to ``a``'s last question, stored as its entry's response; None: a placeholder is stored."""


def load(dataset: str, split: str = "all", max_prompt_chars: int | None = None) -> list[Pair]:
    """``questions`` or ``conversations`` (fow-cache), ``nearhit`` or one of ``BUNDLED_FILES`` (ours), else a path
    to a JSONL file.

    ``split`` is ``dev``, ``test`` or ``all``; every set, a user's file included, is split by the same rule.
    ``max_prompt_chars``: the cache's limit (``NEARHIT_MAX_PROMPT_CHARS``): a user's file is then checked as
    ``/ask`` checks a request (:func:`_side`), a pair it would refuse refused naming its line before any pair runs
    (None: not checked here; the built-in sets are checked by their own tests, read as they always were).
    """
    if split not in splits.SPLITS:
        raise InvalidInput(f"unknown split {split!r}; expected one of {', '.join(splits.SPLITS)}")
    if dataset in FOW_CACHE:
        from fow_cache import data

        items = data.load_questions() if dataset == "questions" else data.load_conversations()
        pairs = parse((f"{dataset} item {n}", item) for n, item in enumerate(items, 1))
    elif dataset == OURS:
        parts = ("dev", "test") if split == "all" else (split,)
        pairs = [pair for part in parts for pair in load_jsonl(ours(part))]
    elif dataset in BUNDLED_FILES:
        pairs = load_jsonl(DATA_DIR / BUNDLED_FILES[dataset])
    else:
        pairs = load_jsonl(_file(dataset), max_prompt_chars)
    return splits.select(pairs, split)


def _builtin_names() -> str:
    """The built-in sets' names, in short: what ``nearhit eval --help`` lists."""
    questions = [name for name in BUNDLED_FILES if not name.startswith(OUR_CONVERSATIONS)]
    conversations = [name for name in BUNDLED_FILES if name.startswith(OUR_CONVERSATIONS)]
    return (
        f"'questions', 'conversations', '{OURS}', '{questions[0]}' to '{questions[-1]}', "
        f"'{conversations[0]}' to '{conversations[-1]}'"
    )


def _file(dataset: str) -> Path:
    """The path ``dataset`` names; an empty name, or a name of no folder and no extension that is not a file (a
    built-in set's name mistyped), refused saying so, with the built-in names it is close to."""
    if not dataset.strip():
        raise InvalidInput("the dataset is empty: give a built-in set's name or a JSONL file")
    path = Path(dataset)
    if path.exists() or "/" in dataset or path.suffix:
        return path
    close = difflib.get_close_matches(dataset.replace("_", "-"), BUILTIN, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise InvalidInput(
        f"unknown dataset {dataset[:100]!r}: no built-in set{hint} and no such file; the built-in sets: "
        f"{_builtin_names()}"
    )


def ours(split: str) -> Path:
    """The file holding our own pairs of one split (``dev`` or ``test``): package data."""
    return DATA_DIR / f"nearhit_pairs_{split}.jsonl"


MAX_LINE_BYTES = 8 * 2**20
"""A pair's line: room for two long prompts and their histories (the bundled lines are under 2 kB)."""
MAX_FILE_BYTES = 256 * 2**20
"""A dataset file: the bundled ones are under 250 kB; past this, a wrong path (``/dev/zero``) rather than pairs."""


def load_jsonl(path: Path, max_prompt_chars: int | None = None) -> list[Pair]:
    """Pairs from a JSONL file (gzipped when its name ends ``.gz``): one object a line with ``a``, ``b``,
    ``same_answer``, ``category`` (optional ``id``, ``lang``, ``a_answer``). Read line by line within
    :data:`MAX_LINE_BYTES` a line and :data:`MAX_FILE_BYTES` in all (uncompressed), so a file of no newline (or no
    end) fails naming the line instead of filling the memory."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as file:
            pairs = parse(_lines(path, file), max_prompt_chars)
    except (OSError, EOFError) as exc:  # EOFError: a gzipped file cut short
        raise InvalidInput(f"cannot read dataset {str(path)!r}: {exc or 'the file ends too soon'}") from None
    if not pairs:
        raise InvalidInput(f"{path}: no pairs in the file")
    return pairs


class _ReadsLines(Protocol):
    """A file read in bytes, line by line: a plain one or a gzipped one."""

    def readline(self, size: int = -1, /) -> bytes: ...


def _lines(path: Path, file: _ReadsLines) -> Iterator[tuple[str, object]]:
    """Each non-blank line of ``file`` as (where, its JSON value)."""
    read = 0
    for number in itertools.count(1):
        raw = file.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        where = f"{path}:{number}"
        read += len(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(f"{where}: the line is longer than {MAX_LINE_BYTES:,} bytes: not a pair")
        if read > MAX_FILE_BYTES:
            raise InvalidInput(f"{where}: the file is larger than {MAX_FILE_BYTES:,} bytes: not a dataset")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark ("UTF-8 with BOM"): not the pair's JSON
        if not line.strip():
            continue
        try:  # read as the API reads a body: no lone surrogate, NaN, key given twice or 5,000-digit number
            yield where, jsonbody.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None


def parse(items: Iterable[tuple[str, object]], max_prompt_chars: int | None = None) -> list[Pair]:
    """Pairs from (where, object) items; ``where`` prefixes every error message. ``max_prompt_chars``: as
    :func:`load`."""
    pairs: list[Pair] = []
    seen: dict[str, str] = {}
    for where, item in items:
        pair = _pair(where, item, f"pair-{len(pairs) + 1}", max_prompt_chars)
        if pair.id in seen:
            raise InvalidInput(f"{where}: id {pair.id!r} already used at {seen[pair.id]}")
        seen[pair.id] = where
        pairs.append(pair)
    return pairs


def _pair(where: str, item: object, default_id: str, max_prompt_chars: int | None) -> Pair:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"{where}: expected a JSON object, got {type(item).__name__}")
    for name in ("a", "b", "same_answer"):
        if name not in item:
            raise InvalidInput(f"{where}: missing field {name!r}")
    category = item.get("category", item.get("subtype"))
    if category is None:
        raise InvalidInput(f"{where}: missing field 'category'")
    if not isinstance(category, str) or not category.strip():
        raise InvalidInput(f"{where}: field 'category' must be a non-empty string")
    if not isinstance(item["same_answer"], bool):
        raise InvalidInput(f"{where}: field 'same_answer' must be true or false, not {item['same_answer']!r}")
    pair_id = item.get("id", default_id)
    if not isinstance(pair_id, str | int) or isinstance(pair_id, bool):
        raise InvalidInput(f"{where}: field 'id' must be a string or a number")
    lang = item.get("lang")
    if lang is not None and (not isinstance(lang, str) or not lang.strip()):
        raise InvalidInput(f"{where}: field 'lang' must be a non-empty string such as 'es'")
    return Pair(
        id=str(pair_id),
        category=category,
        a=_side(where, "a", item["a"], max_prompt_chars),
        b=_side(where, "b", item["b"], max_prompt_chars),
        same_answer=item["same_answer"],
        lang=lang,
        a_answer=_answer(where, item.get("a_answer")),
    )


def _answer(where: str, value: object) -> str | None:
    """``a_answer`` checked as the cache checks an answer it stores, but before the run, naming the line."""
    if value is None:
        return None
    try:
        return validate.response(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: field 'a_answer' cannot be a cached answer: {exc}") from None


def _side(where: str, name: str, value: Any, max_prompt_chars: int | None) -> Side:
    """One side; with ``max_prompt_chars``, checked as ``/ask`` checks a request (its roles, the history's size,
    the question's length), but before the run, naming the line: a pair the cache refuses would end the run there,
    one it takes where ``/ask`` refuses it would measure what no request can ask."""
    if isinstance(value, str):
        if not validate.visible(value):  # as the cache refuses it, but before the run, naming the line
            raise InvalidInput(f"{where}: field {name!r} is empty")
        return Side(_within(where, name, value, max_prompt_chars))
    if not isinstance(value, list) or not value:
        raise InvalidInput(
            f"{where}: field {name!r} must be a string or a non-empty list of {{role, content}} messages"
        )
    turns: list[Turn] = []
    for n, message in enumerate(value, 1):
        if not isinstance(message, Mapping):
            raise InvalidInput(f"{where}: {name!r} message {n} must be an object with 'role' and 'content'")
        for key in ("role", "content"):
            if not isinstance(message.get(key), str):
                raise InvalidInput(f"{where}: {name!r} message {n} has no {key!r} string")
        turns.append((message["role"], message["content"]))
    role, prompt = turns[-1]
    if role != "user" or not validate.visible(prompt):
        raise InvalidInput(f"{where}: the last message of {name!r} must be a non-empty user message")
    if max_prompt_chars is None:
        return Side(prompt, tuple(turns[:-1]))
    try:
        for earlier, _ in turns[:-1]:
            validate.history_role(earlier)
        validate.history_size([content for _, content in turns[:-1]])
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {name!r}: {exc}") from None
    return Side(_within(where, name, prompt, max_prompt_chars), tuple(turns[:-1]))


def _within(where: str, name: str, prompt: str, max_prompt_chars: int | None) -> str:
    """``prompt`` when it is within ``max_prompt_chars`` (None: not checked)."""
    if max_prompt_chars is None:
        return prompt
    try:
        return validate.prompt_length(prompt, max_prompt_chars)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {name!r}: {exc}") from None
