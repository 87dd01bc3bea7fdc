from hiecheck.cli import main

main()
