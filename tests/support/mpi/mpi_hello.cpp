// A real MPI program for the MPI launcher's tests: every rank prints "rank R of N on cpu C" (C is
// the CPU it runs on, so tests can see the binding) and rank 0 prints the MPI_Allreduce sum of all
// ranks. Options: --fail-rank R --code C (rank R exits with C after MPI_Finalize), --sleep S
// (every rank prints "rank R pid P" and sleeps S seconds before finishing; for cancel tests),
// --kill-rank R (rank R kills itself with SIGKILL after the allreduce).
#include <mpi.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int fail_rank = -1, code = 1, sleep_s = 0, kill_rank = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--fail-rank") == 0) fail_rank = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--code") == 0) code = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--sleep") == 0) sleep_s = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--kill-rank") == 0) kill_rank = std::atoi(argv[i + 1]);
  }
  std::printf("rank %d of %d on cpu %d\n", rank, size, sched_getcpu());
  std::fflush(stdout);
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) std::printf("allreduce sum %d\n", sum);
  std::fflush(stdout);
  if (rank == kill_rank) raise(SIGKILL);
  if (sleep_s > 0) {
    std::printf("rank %d pid %d\n", rank, static_cast<int>(getpid()));
    std::fflush(stdout);
    sleep(static_cast<unsigned>(sleep_s));
  }
  std::fflush(stdout);
  MPI_Finalize();
  return rank == fail_rank ? code : 0;
}
