/* nbody: the outer planets orbiting the sun, integrated with a symplectic
 * Euler step in double precision; prints the energy before and after and a
 * hash of the final positions' bits. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define STEPS 6000000
#define N_BODIES 5

static const double PI = 3.141592653589793;
static const double DAYS_PER_YEAR = 365.24;

typedef struct Body {
    double x, y, z, vx, vy, vz, mass;
} Body;

/* sun, Jupiter, Saturn, Uranus, Neptune: AU, AU/day and solar masses */
static Body bodies[N_BODIES] = {
    {0, 0, 0, 0, 0, 0, 1},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
     9.54791938424326609e-04},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
     2.85885980666130812e-04},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
     4.36624404335156298e-05},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
     5.15138902046611451e-05}};

static void init_units(void)
{
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < N_BODIES; i++) {
        Body *b = &bodies[i];
        b->vx *= DAYS_PER_YEAR, b->vy *= DAYS_PER_YEAR, b->vz *= DAYS_PER_YEAR;
        b->mass *= 4 * PI * PI;
        px += b->vx * b->mass, py += b->vy * b->mass, pz += b->vz * b->mass;
    }
    /* zero the total momentum by adjusting the sun */
    double solar = bodies[0].mass;
    bodies[0].vx = -px / solar, bodies[0].vy = -py / solar, bodies[0].vz = -pz / solar;
}

static void advance(double dt)
{
    for (int i = 0; i < N_BODIES; i++) {
        Body *a = &bodies[i];
        for (int j = i + 1; j < N_BODIES; j++) {
            Body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            a->vx -= dx * b->mass * mag, a->vy -= dy * b->mass * mag, a->vz -= dz * b->mass * mag;
            b->vx += dx * a->mass * mag, b->vy += dy * a->mass * mag, b->vz += dz * a->mass * mag;
        }
    }
    for (int i = 0; i < N_BODIES; i++) {
        Body *a = &bodies[i];
        a->x += dt * a->vx, a->y += dt * a->vy, a->z += dt * a->vz;
    }
}

static double energy(void)
{
    double e = 0;
    for (int i = 0; i < N_BODIES; i++) {
        const Body *a = &bodies[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < N_BODIES; j++) {
            const Body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(void)
{
    init_units();
    double before = energy();
    for (int s = 0; s < STEPS; s++)
        advance(0.01);
    uint64_t hash = 0;
    for (int i = 0; i < N_BODIES; i++)
        hash = (hash ^ bits_of(bodies[i].x) ^ bits_of(bodies[i].y) ^ bits_of(bodies[i].z)) *
               0x100000001b3ull;
    printf("nbody: energy %.9f -> %.9f, positions 0x%016llx\n", before, energy(),
           (unsigned long long)hash);
    return 0;
}
