/* harness/tlbfit.c: knees recovered from synthetic probe curves carrying the
 * noise of these machines (tlbcurve_util.h), each over several seeds, and
 * from curves recorded on the Emerald Rapids guest; the counts probed again
 * around each knee. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "chain.h"
#include "tlbfit.h"

#include "tlbcurve_util.h"

/* Whether an outlier fell on a knee's own points: the two at or below the
 * capacity, or the first above. There a 3x point looks just like the step
 * (3x an L1 hit is about the L2-hit plateau), and no fit can place the
 * knee closer than those points. */
static int outlier_on_knee(const struct sample *sm, double entries)
{
	for (int i = 0; i < sm->nr_outliers; i++)
		if (sm->outlier_pages[i] > entries / exp2(2 / 16.0) &&
		    sm->outlier_pages[i] <= entries * exp2(1 / 16.0))
			return 1;
	return 0;
}

/* Two point spacings at 16 points per octave. */
#define KNEE_OUTLIER_SLACK 0.09

/* Every seed finds exactly c's levels, each capacity within tol[k] of the
 * truth (KNEE_OUTLIER_SLACK more where an outlier sits on the knee) and
 * each cost within 20%. */
static void expect_levels(const struct curve *c, const double *tol)
{
	for (uint64_t seed = 1; seed <= NR_SEEDS; seed++) {
		struct tlbfit_result r;
		struct sample sm;

		fit_curve(c, seed, GHZ, &r, &sm);
		cr_assert_eq(r.nr_levels, c->nr, "%s seed %d: %d levels, want %d (%s)", c->name,
			     (int)seed, r.nr_levels, c->nr, r.why);
		for (int k = 0; k < c->nr; k++) {
			const struct tlbfit_level *lv = &r.level[k];
			double want = c->step[k].capacity > 0 ? c->step[k].capacity : c->step[k].entries;
			double err = fabs(lv->entries - want) / want;
			double cost_err =
			    fabs(lv->miss_cost_ns - c->step[k].cost_ns) / c->step[k].cost_ns;
			double bound =
			    tol[k] + (outlier_on_knee(&sm, want) ? KNEE_OUTLIER_SLACK : 0);

			cr_assert_leq(err, bound, "%s seed %d L%d: %d entries, want %.0f +- %.0f%%",
				      c->name, (int)seed, k + 1, lv->entries, want, 100 * bound);
			cr_assert_leq(cost_err, 0.2, "%s seed %d L%d: step %.2f ns, want %.2f",
				      c->name, (int)seed, k + 1, lv->miss_cost_ns,
				      c->step[k].cost_ns);
			cr_assert(lv->confidence > 0 && lv->confidence <= 1,
				  "%s seed %d L%d: confidence %g", c->name, (int)seed, k + 1,
				  lv->confidence);
		}
	}
}

/* The acceptance tolerances: L1 within 5%, L2 and beyond within 15%. */
static const double tol_l1_l2[] = {0.05, 0.15, 0.15};

Test(tlbfit, zen5_like)
{
	expect_levels(&zen5, tol_l1_l2);
}

/* Zen 4 guest: 72 and 3072 entries; a short ramp past the L2. */
Test(tlbfit, zen4_like)
{
	static const struct curve c = {
	    "zen4", {{72, 0, 7 / 3.65}, {3072, 3500, 110 / 3.65}}, 2, 16384, 0.035, 0.08, 0.5, 3, 0,
	};

	expect_levels(&c, tol_l1_l2);
}

/* No L2 TLB: one knee, then every miss walks. */
Test(tlbfit, one_level)
{
	static const struct curve c = {
	    "one", {{64, 0, 20}}, 1, 4096, 0.035, 0.08, 0.5, 3, 0,
	};

	expect_levels(&c, tol_l1_l2);
}

/* L1, L2, then a third step where the walks start missing their caches. */
Test(tlbfit, three_levels)
{
	static const struct curve c = {
	    "three", {{32, 0, 1.5}, {512, 0, 10}, {8192, 0, 25}}, 3, 32768, 0.035, 0.08, 0.5, 3, 0,
	};

	expect_levels(&c, tol_l1_l2);
}

/* A set-associative L2 that thrashes from 2048 to 3300 pages: the capacity
 * is where the ramp starts, not its middle (2600). */
/* A ramp that starts at capacity and runs on to 1.6x (the Zen 5 guest's
 * shape): read 30% of the way up, within 20% of the start. */
Test(tlbfit, ramp_after_capacity_reads_near_its_start)
{
	static const struct curve c = {
	    "ramp-after", {{64, 0, 2}, {2048, 3300, 30}}, 2, 16384, 0.035, 0.08, 0.5, 3, 0,
	};
	static const double tol[] = {0.05, 0.20};

	expect_levels(&c, tol);
	for (uint64_t seed = 1; seed <= NR_SEEDS; seed++) {
		struct tlbfit_result r;
		struct sample sm;

		fit_curve(&c, seed, GHZ, &r, &sm);
		cr_assert_lt(r.level[1].start_pages, r.level[1].mid_pages);
		cr_assert_lt(r.level[1].mid_pages, r.level[1].end_pages);
		cr_assert_leq(r.level[1].knee_pages, r.level[1].mid_pages);
		/* The start sits in the first third of the ramp. */
		cr_assert_lt(log(r.level[1].start_pages / 2048) / log(3300.0 / 2048), 1.0 / 3,
			     "seed %d: start %.0f is past the first third of the ramp", (int)seed,
			     r.level[1].start_pages);
		cr_assert_gt(r.level[1].ramp_octaves, 0.4, "seed %d: ramp %.2f octaves", (int)seed,
			     r.level[1].ramp_octaves);
	}
}

/* A 4K curve recorded on the Emerald Rapids guest (kind C; tlbprobe
 * --quick, survey points: pages, delta ns, probe ns, relative spread). Its
 * STLB ramps from about 0.7x to 1.1x of the published 2048; its L1 knee is
 * sharp at 96. */
static const struct tlbfit_point emerald_rapids_4k[] = {
	{8, 0.053, 1.785, 0.1238}, {9, -0.012, 1.682, 0.0422}, {10, -0.012, 1.674, 0.0950},
	{11, 0.006, 1.703, 0.0575}, {12, -0.003, 1.673, 0.0693}, {13, -0.034, 1.690, 0.0923},
	{14, -0.003, 1.690, 0.0633}, {15, 0.029, 1.719, 0.0372}, {16, 0.002, 1.680, 0.0482},
	{17, -0.061, 1.679, 0.0465}, {18, 0.000, 1.669, 0.0533}, {19, 0.000, 1.672, 0.0437},
	{20, -0.029, 1.689, 0.0592}, {21, 0.000, 1.677, 0.0352}, {22, -0.011, 1.711, 0.0392},
	{23, 0.004, 1.694, 0.0177}, {24, 0.002, 1.711, 0.0561}, {25, 0.001, 1.696, 0.0790},
	{26, -0.004, 1.691, 0.0988}, {28, -0.037, 1.686, 0.0605}, {29, 0.002, 1.674, 0.0657},
	{30, 0.025, 1.694, 0.0891}, {32, 0.020, 1.708, 0.0357}, {33, 0.000, 1.669, 0.0437},
	{34, -0.012, 1.673, 0.0377}, {36, 0.045, 1.742, 0.0442}, {38, 0.013, 1.703, 0.0235},
	{39, 0.053, 1.724, 0.0673}, {41, 0.019, 1.688, 0.0373}, {43, 0.042, 1.758, 0.0796},
	{45, 0.026, 1.718, 0.1088}, {47, -0.033, 1.675, 0.0245}, {49, 0.015, 1.719, 0.0547},
	{51, 0.039, 1.713, 0.0263}, {53, 0.000, 1.669, 0.0593}, {56, -0.018, 1.704, 0.0411},
	{58, 0.000, 1.669, 0.0246}, {61, 0.034, 1.703, 0.0558}, {64, 0.017, 1.689, 0.0491},
	{66, -0.020, 1.685, 0.0896}, {69, -0.001, 1.697, 0.0283}, {72, -0.036, 1.690, 0.1018},
	{76, 0.013, 1.700, 0.0324}, {79, 0.072, 1.741, 0.0603}, {82, 0.000, 1.672, 0.0353},
	{86, -0.037, 1.670, 0.0503}, {90, 0.034, 1.703, 0.0711}, {94, 0.007, 1.731, 0.0618},
	{98, 0.282, 2.021, 0.0683}, {103, 1.102, 2.792, 0.0527}, {107, 1.467, 3.141, 0.0564},
	{112, 2.078, 3.787, 0.2321}, {117, 2.182, 3.935, 0.1380}, {122, 2.212, 3.963, 0.0727},
	{128, 2.300, 3.996, 0.0495}, {133, 2.251, 3.990, 0.0441}, {139, 2.357, 4.027, 0.0422},
	{145, 2.351, 4.027, 0.0303}, {152, 2.316, 4.031, 0.0285}, {158, 2.325, 4.061, 0.0360},
	{165, 2.347, 4.056, 0.0242}, {173, 2.488, 4.170, 0.0511}, {181, 2.380, 4.062, 0.0167},
	{189, 2.497, 4.217, 0.0555}, {197, 2.317, 4.166, 0.0586}, {206, 2.380, 4.088, 0.0457},
	{215, 2.335, 4.057, 0.0131}, {224, 2.329, 4.056, 0.0454}, {234, 2.405, 4.092, 0.0308},
	{245, 2.370, 4.069, 0.0496}, {256, 2.367, 4.075, 0.0385}, {267, 2.364, 4.110, 0.0367},
	{279, 2.367, 4.077, 0.0218}, {291, 2.341, 4.010, 0.0364}, {304, 2.339, 4.015, 0.0314},
	{317, 2.358, 4.060, 0.0788}, {331, 2.334, 4.082, 0.0639}, {346, 2.418, 4.125, 0.0424},
	{362, 2.306, 4.010, 0.0329}, {378, 2.341, 4.015, 0.0281}, {394, 2.300, 4.013, 0.0478},
	{412, 2.342, 4.013, 0.0197}, {430, 3.134, 4.803, 0.2213}, {449, 3.076, 4.939, 0.2539},
	{469, 3.056, 5.078, 0.4039}, {490, 3.458, 5.503, 0.2250}, {512, 2.930, 4.980, 0.1912},
	{534, 3.765, 6.161, 0.1286}, {558, 2.843, 5.898, 0.2284}, {583, 3.588, 6.791, 0.1493},
	{608, 3.487, 6.358, 0.2955}, {635, 2.974, 7.133, 0.1349}, {663, 2.907, 7.019, 0.1334},
	{693, 3.029, 7.798, 0.0964}, {724, 2.351, 4.239, 0.1003}, {756, 2.343, 4.023, 0.0393},
	{789, 2.389, 5.287, 0.0272}, {824, 2.474, 7.404, 0.0227}, {861, 2.410, 7.767, 0.0171},
	{899, 2.341, 7.846, 0.0600}, {939, 2.339, 7.682, 0.0639}, {980, 2.525, 7.841, 0.0520},
	{1024, 2.332, 7.720, 0.0181}, {1069, 2.299, 7.943, 0.0607}, {1116, 3.024, 8.568, 0.0798},
	{1166, 3.243, 8.956, 0.1543}, {1217, 2.807, 8.634, 0.1352}, {1271, 2.916, 8.845, 0.1446},
	{1327, 2.470, 7.929, 0.0223}, {1386, 2.511, 7.881, 0.0216}, {1448, 2.496, 7.993, 0.0457},
	{1512, 2.855, 8.226, 0.0393}, {1579, 3.282, 8.727, 0.1197}, {1649, 3.571, 9.002, 0.0671},
	{1722, 3.828, 9.235, 0.0820}, {1798, 4.602, 9.954, 0.0471}, {1878, 5.420, 10.823, 0.0344},
	{1961, 6.068, 11.475, 0.0376}, {2048, 6.958, 12.300, 0.0456}, {2138, 7.753, 13.099, 0.0150},
	{2233, 9.276, 14.612, 0.0287}, {2332, 11.019, 16.371, 0.0314}, {2435, 16.405, 22.367, 0.1092},
	{2543, 13.550, 19.099, 0.0503}, {2655, 14.172, 19.593, 0.0780},
	{2773, 14.312, 19.873, 0.0405}, {2896, 14.510, 19.977, 0.0179},
	{3024, 14.282, 19.770, 0.0479}, {3158, 14.773, 20.311, 0.0245},
	{3298, 14.682, 20.297, 0.0501}, {3444, 15.478, 21.084, 0.0547},
	{3596, 15.967, 21.350, 0.0897}, {3756, 15.799, 21.153, 0.2109},
	{3922, 15.754, 21.189, 0.0384}, {4096, 15.925, 21.288, 0.0891},
	{4277, 15.633, 20.974, 0.0549}, {4466, 15.838, 21.234, 0.0185},
	{4664, 15.660, 21.018, 0.0254}, {4870, 15.843, 21.282, 0.0140},
	{5086, 15.669, 21.034, 0.0169}, {5311, 16.332, 21.674, 0.0559},
	{5547, 15.840, 21.184, 0.0521}, {5792, 16.449, 21.791, 0.0299},
	{6049, 17.063, 22.508, 0.0562}, {6316, 16.645, 22.080, 0.0303},
	{6596, 23.759, 30.901, 0.2152}, {6888, 17.831, 24.380, 0.2195},
	{7193, 16.930, 22.637, 0.0663}, {7512, 16.572, 22.360, 0.0971},
	{7844, 17.060, 23.375, 0.0574}, {8192, 17.341, 23.757, 0.2451},
	{8554, 19.150, 25.238, 0.1184}, {8933, 18.478, 24.748, 0.1364},
	{9328, 16.887, 23.074, 0.0533}, {9741, 23.012, 30.219, 0.4349},
	{10173, 17.762, 24.037, 0.1358}, {10623, 17.724, 24.237, 0.2240},
	{11094, 17.899, 24.292, 0.2048}, {11585, 25.967, 32.682, 0.2876},
	{12098, 19.970, 26.652, 0.2874}, {12633, 21.432, 28.190, 0.2725},
	{13193, 24.811, 31.561, 0.4459}, {13777, 23.511, 30.180, 0.3491},
	{14387, 30.636, 40.351, 0.2810}, {15024, 38.630, 45.483, 0.3374},
	{15689, 42.012, 51.163, 0.6693}, {16384, 44.885, 52.657, 0.3475},
};

Test(tlbfit, emerald_rapids_recorded_curve)
{
	struct tlbfit_input in = {emerald_rapids_4k, LEN(emerald_rapids_4k), 2.95};
	struct tlbfit_result r;

	cr_assert_eq(tlbfit_fit(&in, NULL, &r), 0, "%s", r.why);
	cr_assert_geq(r.nr_levels, 2, "%d levels", r.nr_levels);
	cr_assert_leq(abs(r.level[0].entries - 96) / 96.0, 0.05, "L1 %d, published 96",
		      r.level[0].entries);
	cr_assert_leq(abs(r.level[1].entries - 2048) / 2048.0, 0.15, "L2 %d, published 2048",
		      r.level[1].entries);
	cr_assert_gt(r.level[1].ramp_octaves, 0.4, "a ramp: %.2f octaves", r.level[1].ramp_octaves);
	/* The start of that ramp is well short of capacity: reading it there
	 * would be 20-30% low. */
	cr_assert_lt(r.level[1].start_pages, 0.9 * 2048, "start %.0f", r.level[1].start_pages);
}

/* Another recorded Emerald Rapids 4K curve (quick probe, survey and three
 * passes merged, lowest delta per count): its STLB ramp pauses for half an
 * octave (2.4 -> 5 ns from 1600 pages, then 5 -> 16 ns from 2300). The
 * pause is no TLB level: the L2 is read across the whole ramp. */
static const struct tlbfit_point emerald_rapids_4k_paused[] = {
	{8, 0.003, 1.707, 0.0867}, {9, 0.003, 1.684, 0.0719}, {10, -0.055, 1.753, 0.0593},
	{11, 0.001, 1.682, 0.0916}, {12, -0.017, 1.763, 0.0771}, {13, -0.026, 1.702, 0.0881},
	{14, -0.005, 1.694, 0.0874}, {16, -0.012, 1.708, 0.0714}, {17, 0.001, 1.791, 0.1374},
	{19, 0.001, 1.715, 0.0676}, {20, 0.007, 1.687, 0.0836}, {22, 0.021, 1.714, 0.0770},
	{24, 0.036, 1.733, 0.0883}, {26, -0.041, 1.719, 0.1239}, {29, 0.025, 1.772, 0.0745},
	{32, 0.006, 1.703, 0.1274}, {34, -0.029, 1.687, 0.0267}, {38, 0.035, 1.783, 0.0757},
	{41, 0.008, 1.694, 0.1145}, {45, 0.034, 1.726, 0.1431}, {49, -0.024, 1.785, 0.0969},
	{53, 0.002, 1.675, 0.0585}, {58, 0.094, 1.840, 0.0484}, {61, -0.005, 1.683, 0.0315},
	{63, -0.011, 1.671, 0.0844}, {64, 0.093, 1.846, 0.0948}, {65, -0.023, 1.691, 0.0414},
	{67, -0.049, 1.670, 0.0551}, {69, 0.000, 1.673, 0.0454}, {71, 0.000, 1.669, 0.0234},
	{73, 0.005, 1.702, 0.0429}, {75, 0.001, 1.726, 0.0701}, {76, 0.288, 2.084, 0.1056},
	{77, 0.038, 1.707, 0.0674}, {79, -0.006, 1.673, 0.0418}, {81, 0.012, 1.709, 0.0509},
	{82, 0.575, 2.272, 0.0920}, {83, 0.004, 1.674, 0.0484}, {85, -0.034, 1.707, 0.1072},
	{87, -0.003, 1.711, 0.0614}, {89, -0.004, 1.702, 0.0441}, {90, 0.769, 2.506, 0.0579},
	{91, -0.012, 1.769, 0.1170}, {93, 0.110, 1.782, 0.6706}, {95, -0.014, 1.702, 0.0817},
	{97, 0.133, 1.839, 0.0446}, {98, 0.719, 2.448, 0.1855}, {99, 0.483, 2.166, 0.0305},
	{101, 0.780, 2.480, 0.1423}, {103, 1.049, 2.725, 0.1376}, {105, 1.330, 2.999, 0.1480},
	{107, 1.588, 3.258, 0.1473}, {109, 1.880, 3.680, 0.0386}, {111, 2.052, 3.740, 0.0398},
	{113, 2.255, 4.007, 0.0247}, {115, 2.036, 3.737, 0.1362}, {117, 2.039, 3.743, 0.0908},
	{119, 2.155, 3.975, 0.0848}, {121, 2.173, 3.969, 0.0980}, {123, 2.184, 3.857, 0.0700},
	{125, 2.275, 4.129, 0.1012}, {127, 2.302, 3.971, 0.0360}, {128, 2.446, 4.159, 0.0604},
	{129, 2.265, 3.963, 0.0164}, {131, 2.267, 3.936, 0.0201}, {133, 2.339, 4.011, 0.0272},
	{135, 2.305, 4.007, 0.0230}, {139, 2.433, 4.174, 0.0309}, {152, 2.488, 4.247, 0.0591},
	{165, 2.477, 4.263, 0.0563}, {181, 2.385, 4.147, 0.0581}, {197, 2.364, 4.059, 0.0416},
	{215, 2.369, 4.150, 0.0499}, {234, 2.512, 4.285, 0.0553}, {256, 2.429, 4.147, 0.0789},
	{279, 2.646, 4.404, 0.0316}, {304, 2.341, 4.135, 0.0696}, {331, 2.839, 4.652, 0.0952},
	{362, 2.582, 4.351, 0.0485}, {394, 2.472, 4.252, 0.1192}, {430, 2.630, 4.352, 0.2229},
	{469, 2.614, 4.391, 0.0508}, {512, 3.817, 6.284, 0.0652}, {558, 2.848, 4.942, 0.1431},
	{608, 2.998, 4.892, 0.5110}, {663, 3.385, 6.140, 0.0959}, {724, 2.971, 7.128, 0.1553},
	{789, 2.871, 7.633, 0.0850}, {861, 2.616, 8.076, 0.0880}, {939, 3.007, 8.391, 0.1418},
	{1024, 2.639, 8.151, 0.2522}, {1116, 3.163, 8.773, 0.0807}, {1217, 2.754, 8.223, 0.0691},
	{1327, 2.282, 7.881, 0.0490}, {1448, 3.578, 9.203, 0.0795}, {1478, 2.671, 8.032, 0.0496},
	{1508, 2.736, 8.197, 0.0333}, {1538, 2.752, 8.262, 0.0944}, {1568, 3.021, 8.490, 0.0316},
	{1579, 3.058, 8.561, 0.0876}, {1598, 3.086, 8.532, 0.0312}, {1628, 3.442, 8.777, 0.0709},
	{1658, 3.397, 8.972, 0.2947}, {1688, 3.645, 9.118, 0.0937}, {1718, 3.472, 8.858, 0.0543},
	{1722, 4.579, 10.119, 0.1852}, {1748, 3.663, 9.004, 0.0416}, {1778, 4.120, 9.625, 0.0451},
	{1808, 4.135, 9.601, 0.0520}, {1838, 5.236, 10.723, 0.0904}, {1868, 4.494, 9.840, 0.0668},
	{1878, 7.891, 13.820, 0.2795}, {1898, 4.479, 9.822, 0.0181}, {1928, 4.411, 9.765, 0.0908},
	{1958, 4.986, 10.326, 0.0367}, {1988, 5.150, 10.758, 0.0470}, {2018, 5.536, 10.982, 0.0466},
	{2048, 7.639, 13.062, 0.0261}, {2078, 6.934, 12.482, 0.1263}, {2108, 6.059, 11.613, 0.0469},
	{2138, 6.638, 11.980, 0.0448}, {2168, 6.963, 12.321, 0.1854}, {2198, 6.971, 12.471, 0.0284},
	{2228, 7.438, 12.780, 0.0531}, {2233, 15.489, 21.425, 0.2059}, {2258, 7.929, 13.313, 0.0233},
	{2288, 8.056, 13.399, 0.0228}, {2318, 9.056, 14.510, 0.0333}, {2348, 8.647, 14.107, 0.0303},
	{2378, 9.291, 14.631, 0.0340}, {2408, 9.924, 15.293, 0.0475}, {2435, 18.122, 23.915, 0.2272},
	{2438, 10.367, 15.855, 0.0647}, {2468, 11.299, 17.031, 0.1613},
	{2498, 11.529, 17.027, 0.0273}, {2528, 11.114, 16.459, 0.0252},
	{2558, 11.769, 17.169, 0.0445}, {2588, 12.906, 18.621, 0.1534},
	{2618, 12.044, 17.390, 0.0417}, {2655, 16.759, 22.759, 0.2253},
	{2896, 17.231, 23.938, 0.1644}, {3158, 13.998, 19.376, 0.1463},
	{3444, 20.471, 26.615, 0.2045}, {3756, 17.663, 24.099, 0.2407},
	{4096, 21.347, 28.148, 0.2264}, {4466, 15.614, 21.165, 0.1845},
	{4870, 19.087, 25.704, 0.1320}, {5311, 20.949, 27.063, 0.1021},
	{5792, 24.008, 31.950, 0.3639}, {6316, 24.446, 31.333, 0.1719},
	{6888, 30.386, 37.560, 0.3472}, {7512, 23.743, 31.056, 0.3183},
	{8192, 33.828, 40.745, 0.4504}, {8933, 33.541, 40.779, 0.3577},
	{9741, 43.043, 50.476, 0.2918}, {10623, 47.972, 57.261, 0.2631},
	{11585, 56.479, 66.424, 0.3349}, {12633, 62.445, 71.838, 0.4926},
	{13777, 59.205, 71.142, 0.4416}, {15024, 37.763, 58.654, 0.2531},
	{16384, 47.608, 66.218, 0.3930},
};

Test(tlbfit, emerald_rapids_paused_ramp_is_one_level)
{
	struct tlbfit_input in = {emerald_rapids_4k_paused, LEN(emerald_rapids_4k_paused), 2.95};
	struct tlbfit_result r;
	int l2 = -1;

	cr_assert_eq(tlbfit_fit(&in, NULL, &r), 0, "%s", r.why);
	cr_assert_leq(abs(r.level[0].entries - 96) / 96.0, 0.05, "L1 %d", r.level[0].entries);
	for (int l = 1; l < r.nr_levels; l++)
		if (r.level[l].miss_cost_ns >= 3 * r.level[0].miss_cost_ns && l2 < 0)
			l2 = r.level[l].entries;
	cr_assert_leq(abs(l2 - 2048) / 2048.0, 0.15, "L2 %d, published 2048", l2);
}

/* A sharp knee is read where it starts, not at its middle: 96 entries,
 * 16 sets of 6 ways, fill set by set up to 112 pages. */
Test(tlbfit, set_by_set_knee_reads_its_start)
{
	static const struct curve c = {
	    "set-by-set", {{96, 112, 7 / GHZ}}, 1, 1024, 0.035, 0.08, 0.5, 2, 0,
	};
	static const double tol[] = {0.05};

	expect_levels(&c, tol);
}

/* Nothing but noise around zero, negative deltas and outliers included,
 * at the noise of points within the L1 TLB and beyond it: no level may be
 * invented. */
Test(tlbfit, flat_curves_have_no_level)
{
	static const struct curve flat[] = {
	    {"flat", {{0, 0, 0}}, 0, 32768, 0.035, 0.035, 0.5, 5, 0},
	    {"flat-noisy", {{0, 0, 0}}, 0, 32768, 0.08, 0.08, 0.5, 5, 0},
	};

	for (size_t i = 0; i < LEN(flat); i++)
		for (uint64_t seed = 1; seed <= NR_SEEDS; seed++) {
			struct tlbfit_result r;
			struct sample sm;

			fit_curve(&flat[i], seed, GHZ, &r, &sm);
			cr_assert_eq(r.nr_levels, 0, "%s seed %d: %d level(s), first at %d pages",
				     flat[i].name, (int)seed, r.nr_levels, r.level[0].entries);
			cr_assert_neq(r.why[0], '\0', "a flat curve says why it has no level");
		}
}

/* Lone 3x points, many of them, buy no segment of their own. */
Test(tlbfit, outliers_make_no_level)
{
	static const struct curve c = {
	    "outliers", {{64, 0, 20}}, 1, 4096, 0.035, 0.08, 0.5, 8, 0,
	};

	expect_levels(&c, tol_l1_l2);
}

/* A 3x point on the last page count inside the L1 TLB reads as the step
 * itself; the knee moves by at most two points, never to a new level. */
Test(tlbfit, outlier_on_the_knee_moves_it_two_points_at_most)
{
	static const struct curve c = {
	    "knee-outlier",
	    {{96, 0, 7 / GHZ}, {4096, 0, 150 / GHZ}},
	    2,
	    16384,
	    0.035,
	    0.08,
	    0.5,
	    0,
	    0,
	};
	struct tlbfit_point pt[TLBFIT_MAX_POINTS];
	struct tlbfit_input in;
	struct tlbfit_result r;
	struct sample sm;
	int last_in = 0;

	make_points(&c, 5, &sm);
	for (int i = 0; i < sm.nr; i++)
		if (sm.pt[i].pages <= 96)
			last_in = i;
	memcpy(pt, sm.pt, sizeof(pt));
	pt[last_in].delta_ns += 2 * pt[last_in].probe_ns;
	pt[last_in].probe_ns *= 3;
	in = (struct tlbfit_input){pt, sm.nr, GHZ};
	cr_assert_eq(tlbfit_fit(&in, NULL, &r), 0);
	cr_assert_eq(r.nr_levels, 2, "%d levels", r.nr_levels);
	cr_assert(r.level[0].entries >= sm.pt[last_in - 2].pages &&
		      r.level[0].entries <= sm.pt[last_in + 1].pages,
		  "knee at %d, outlier at %.0f", r.level[0].entries, pt[last_in].pages);
}

/* With no spread stated, the noise comes from the scatter of the curve. */
Test(tlbfit, zen5_like_without_spreads)
{
	struct curve c = zen5;

	c.name = "zen5-nospread";
	c.spread_unknown = 1;
	expect_levels(&c, tol_l1_l2);
}

/* Medians twice as noisy as assumed elsewhere: sd as large as the spread. */
Test(tlbfit, zen5_like_double_noise)
{
	struct curve c = zen5;

	c.name = "zen5-noisy";
	c.noise = 1.0;
	expect_levels(&c, tol_l1_l2);
}

/* Without noise, a sharp knee lands between the last point on the lower
 * plateau and the first on the upper one. */
Test(tlbfit, noise_free_knee_between_its_points)
{
	static const struct curve c = {
	    "exact", {{100, 0, 2}, {2000, 0, 40}}, 2, 16384, 0, 0, 0, 0, 1,
	};
	struct tlbfit_result r;
	struct sample sm;

	fit_curve(&c, 1, GHZ, &r, &sm);
	cr_assert_eq(r.nr_levels, 2);
	/* Points 16 per octave from 8: ..., 99, 103, ... and ..., 1961, 2048, ... */
	cr_assert(r.level[0].knee_pages >= 99 && r.level[0].knee_pages < 103, "knee %.1f",
		  r.level[0].knee_pages);
	cr_assert(r.level[1].knee_pages >= 1961 && r.level[1].knee_pages < 2048, "knee %.1f",
		  r.level[1].knee_pages);
	cr_assert_float_eq(r.level[0].miss_cost_ns, 2, 1e-9);
	cr_assert_float_eq(r.level[1].miss_cost_ns, 40, 1e-9);
	cr_assert_float_eq(r.level[1].plateau_ns, 42, 1e-9);
}

Test(tlbfit, cycles_follow_the_clock)
{
	struct tlbfit_result r;
	struct sample sm;

	fit_curve(&zen5, 1, 3.0, &r, &sm);
	cr_assert_eq(r.nr_levels, 2);
	for (int k = 0; k < r.nr_levels; k++)
		cr_assert_float_eq(r.level[k].miss_cost_cycles, 3.0 * r.level[k].miss_cost_ns,
				   1e-9);
	fit_curve(&zen5, 1, 0, &r, &sm);
	cr_assert(isnan(r.level[0].miss_cost_cycles), "no clock, no cycles");
}

/* On the Zen 5 curve the steps come out as the machine's: about 7 cycles
 * for an L2-TLB hit and 140-190 for a walk. */
Test(tlbfit, zen5_costs_in_cycles)
{
	for (uint64_t seed = 1; seed <= NR_SEEDS; seed++) {
		struct tlbfit_result r;
		struct sample sm;

		fit_curve(&zen5, seed, GHZ, &r, &sm);
		cr_assert(r.level[0].miss_cost_cycles > 6 && r.level[0].miss_cost_cycles < 8,
			  "seed %d: L1 miss %.1f cycles", (int)seed, r.level[0].miss_cost_cycles);
		cr_assert(r.level[1].plateau_ns * GHZ > 140 && r.level[1].plateau_ns * GHZ < 190,
			  "seed %d: walk %.0f cycles", (int)seed, r.level[1].plateau_ns * GHZ);
	}
}

/* A step barely clear of the noise is believed less than a clear one. */
Test(tlbfit, confidence_grows_with_the_step)
{
	struct curve weak = {"weak", {{64, 0, 0.05}}, 1, 4096, 0.02, 0.02, 0.5, 0, 0};
	struct curve strong = weak;
	struct tlbfit_result rw, rs;
	struct sample sm;

	strong.name = "strong";
	strong.step[0].cost_ns = 2;
	fit_curve(&weak, 3, GHZ, &rw, &sm);
	fit_curve(&strong, 3, GHZ, &rs, &sm);
	cr_assert_eq(rs.nr_levels, 1);
	cr_assert_gt(rs.level[0].confidence, 0.8, "clear step: %.2f", rs.level[0].confidence);
	if (rw.nr_levels)
		cr_assert_lt(rw.level[0].confidence, rs.level[0].confidence);
}

Test(tlbfit, rejects_what_is_not_a_curve)
{
	struct tlbfit_point pt[16];
	struct tlbfit_input in = {pt, 16, GHZ};
	struct tlbfit_result r;

	for (int i = 0; i < 16; i++)
		pt[i] = (struct tlbfit_point){8 + i, 0, 1.2, 0.03};
	cr_assert_eq(tlbfit_fit(&in, NULL, &r), 0);
	in.nr = 4;
	cr_assert_eq(tlbfit_fit(&in, NULL, &r), -1, "too few points");
	cr_assert_neq(r.why[0], '\0');
	in.nr = 16;
	pt[5].pages = pt[4].pages;
	cr_assert_eq(tlbfit_fit(&in, NULL, &r), -1, "pages must ascend");
	cr_assert(strstr(r.why, "ascending"), "%s", r.why);
	pt[5].pages = 13;
	pt[7].delta_ns = NAN;
	cr_assert_eq(tlbfit_fit(&in, NULL, &r), -1, "NaN delta");
}

/* Counts to probe again: from 10% below each knee's start to 10% past its
 * end, thinned to at most per_knee, clipped, ascending, no duplicates. */
Test(tlbfit_refine, counts_cover_each_knee)
{
	struct tlbfit_result r = {0};
	uint64_t out[256];
	int n;

	r.nr_levels = 2;
	r.level[0] = (struct tlbfit_level){.entries = 96, .start_pages = 96, .end_pages = 112};
	r.level[1] = (struct tlbfit_level){.entries = 1900, .start_pages = 1500, .end_pages = 2300};
	n = tlbfit_refine_counts(&r, 3, 0.10, 48, 8, 16384, out, 256);
	cr_assert_gt(n, 40);
	for (int i = 1; i < n; i++)
		cr_assert_gt(out[i], out[i - 1], "not ascending at %d", i);
	/* Every count around the sharp L1 knee: 86 to 124. */
	for (uint64_t c = 87; c <= 123; c++) {
		int found = 0;

		for (int i = 0; i < n; i++)
			found |= out[i] == c;
		cr_assert(found, "count %d not probed", (int)c);
	}
	/* The ramp whole, from 1350 to 2530, at most 48 counts. */
	cr_assert_leq(out[n - 1], 2530);
	cr_assert_geq(out[n - 1], 2450);
	{
		int in_ramp = 0;

		for (int i = 0; i < n; i++)
			in_ramp += out[i] >= 1350;
		cr_assert_leq(in_ramp, 48);
		cr_assert_geq(in_ramp, 40);
	}
	/* Clipped to what the buffer holds, and only the first knee asked. */
	n = tlbfit_refine_counts(&r, 1, 0.10, 48, 90, 100, out, 256);
	cr_assert_eq(out[0], 90);
	cr_assert_eq(out[n - 1], 100);
	cr_assert_eq(tlbfit_refine_counts(&r, 0, 0.10, 48, 8, 16384, out, 256), 0);
}
