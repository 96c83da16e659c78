from nuesync.cli import main

main()
